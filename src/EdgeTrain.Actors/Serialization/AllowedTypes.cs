namespace EdgeTrain.Actors.Serialization;

/// <summary>
/// The allow-list of the Hyperion adapter: EdgeTrain's own types (message records, the job spec
/// and its parts, capabilities, actor-ref surrogates, events and snapshots) and the plain .NET
/// value and collection types they are built from. Any other type name in a message — a gadget
/// type smuggled into a payload — makes deserialization fail.
/// </summary>
public sealed class AllowedTypes : Hyperion.ITypeFilter
{
    /// <summary>The shared instance.</summary>
    public static readonly AllowedTypes Instance = new();

    private static readonly string[] Prefixes =
    [
        "EdgeTrain.",
        "System.String", "System.Boolean", "System.Byte", "System.Int16", "System.Int32", "System.Int64",
        "System.UInt16", "System.UInt32", "System.UInt64", "System.Single", "System.Double", "System.Decimal",
        "System.Char", "System.TimeSpan", "System.DateTime", "System.DateTimeOffset", "System.Guid",
        "System.Nullable`1", "System.ValueTuple", "System.Tuple`",
        "System.Collections.Generic.List`1", "System.Collections.Generic.Dictionary`2",
        "System.Collections.Generic.HashSet`1", "System.Collections.Generic.KeyValuePair`2",
        "System.Collections.Immutable.Immutable",
        "System.Collections.ObjectModel.ReadOnlyCollection`1",
        "System.Collections.Generic.EqualityComparer`1", "System.Collections.Generic.GenericEqualityComparer`1",
        "System.Collections.Generic.NonRandomizedStringEqualityComparer", "System.OrdinalComparer",
    ];

    private AllowedTypes()
    {
    }

    /// <inheritdoc />
    public bool IsAllowed(string typeName)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        foreach (var prefix in Prefixes)
        {
            if (typeName.StartsWith(prefix, StringComparison.Ordinal))
            {
                // generic arguments must be allowed too: List`1[[Some.Gadget, X]] is refused
                var open = typeName.IndexOf("[[", StringComparison.Ordinal);
                return open < 0 || ArgumentsAllowed(typeName[(open + 1)..]);
            }
        }

        return false;
    }

    private bool ArgumentsAllowed(string arguments)
    {
        var depth = 0;
        var start = -1;
        for (var i = 0; i < arguments.Length; i++)
        {
            switch (arguments[i])
            {
                case '[':
                    depth++;
                    if (depth == 2)
                    {
                        start = i + 1;
                    }

                    break;
                case ']':
                    if (depth == 2 && start >= 0 && !IsAllowed(arguments[start..i].Split(',')[0].Trim()))
                    {
                        return false;
                    }

                    depth--;
                    break;
            }
        }

        return true;
    }
}
