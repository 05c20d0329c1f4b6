namespace EdgeTrain.Actors.Serialization;

/// <summary>
/// The allow-list of the Hyperion adapter: EdgeTrain's own types (message records, the job spec
/// and its parts, capabilities, actor-ref surrogates, events and snapshots) and the plain .NET
/// value and collection types they are built from, whose generic arguments must be allowed too.
/// Any other type name in a message — a gadget type smuggled into a payload — makes
/// deserialization fail.
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
        "System.Collections.Generic.HashSet`1", "System.Collections.Generic.KeyValuePair`2", "System.Collections.DictionaryEntry",
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
        var name = TypeNameOnly(typeName);
        var open = name.IndexOf('[', StringComparison.Ordinal);
        var outer = open < 0 ? name : name[..open];
        if (!Prefixes.Any(p => outer.StartsWith(p, StringComparison.Ordinal)))
        {
            return false;
        }

        // arrays ("[]", "[,]") have no arguments; generics ("[[A, x],[B, y]]") need every argument allowed
        return open < 0 || GenericArguments(name[open..]).All(IsAllowed);
    }

    // "Ns.Type`1[[Arg, Asm]], Asm" → "Ns.Type`1[[Arg, Asm]]": the part before the first comma outside brackets
    private static string TypeNameOnly(string typeName)
    {
        var depth = 0;
        for (var i = 0; i < typeName.Length; i++)
        {
            switch (typeName[i])
            {
                case '[':
                    depth++;
                    break;
                case ']':
                    depth--;
                    break;
                case ',' when depth == 0:
                    return typeName[..i].Trim();
            }
        }

        return typeName.Trim();
    }

    // "[[A, x],[B`1[[C, y]], z]][]" → "A, x" and "B`1[[C, y]], z"
    private static List<string> GenericArguments(string brackets)
    {
        var arguments = new List<string>();
        var depth = 0;
        var start = -1;
        for (var i = 0; i < brackets.Length; i++)
        {
            switch (brackets[i])
            {
                case '[':
                    depth++;
                    if (depth == 2)
                    {
                        start = i + 1;
                    }

                    break;
                case ']':
                    if (depth == 2 && start >= 0)
                    {
                        arguments.Add(brackets[start..i]);
                        start = -1;
                    }

                    depth--;
                    break;
            }
        }

        return arguments;
    }
}
