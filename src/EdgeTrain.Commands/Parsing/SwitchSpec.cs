namespace EdgeTrain.Commands.Parsing;

/// <summary>
/// One switch of a command, Petabridge.Cmd style: a short and a long name (<c>-a</c>, <c>--address</c>),
/// a value (<paramref name="ValueName"/>) unless it is a flag, and whether it must be given.
/// </summary>
public sealed record SwitchSpec(string Short, string Long, string? ValueName, string Description, bool Required = false)
{
    /// <summary>True for a switch without a value.</summary>
    public bool IsFlag => ValueName is null;

    /// <summary>As the help shows it: <c>-a|--address ADDRESS</c>.</summary>
    public string Usage => $"{Short}|{Long}{(IsFlag ? "" : " " + ValueName)}";
}
