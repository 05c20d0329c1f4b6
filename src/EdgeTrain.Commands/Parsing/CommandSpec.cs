namespace EdgeTrain.Commands.Parsing;

/// <summary>
/// One command of a palette: its words (<c>cluster show</c>), switches, an optional positional
/// argument, what it does, whether it changes the cluster or a job (then it needs the token) and
/// whether it streams until cancelled.
/// </summary>
/// <param name="Name">The palette and command words, space-separated.</param>
/// <param name="Summary">One line for the help.</param>
/// <param name="Switches">Its switches.</param>
/// <param name="Positional">The name of its one optional positional argument, or null for none.</param>
/// <param name="Mutating">Changes the cluster or a job: needs the command token.</param>
/// <param name="Streaming">Runs until the client cancels it (Ctrl-C).</param>
public sealed record CommandSpec(string Name, string Summary, IReadOnlyList<SwitchSpec> Switches, string? Positional = null, bool Mutating = false, bool Streaming = false)
{
    /// <summary>The words of <see cref="Name"/>.</summary>
    public string[] Words => Name.Split(' ');

    /// <summary>The palette (first word).</summary>
    public string Palette => Words[0];

    /// <summary>The usage line: name, positional and switches.</summary>
    public string Usage =>
        string.Join(' ', new[] { Name }
            .Concat(Positional is null ? [] : [$"[{Positional}]"])
            .Concat(Switches.Select(s => s.Required ? s.Usage : $"[{s.Usage}]")));
}
