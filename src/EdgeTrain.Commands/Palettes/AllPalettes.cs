using EdgeTrain.Commands.Parsing;

namespace EdgeTrain.Commands.Palettes;

/// <summary>Every palette's commands, in help order, with <c>help [PALETTE]</c>, and the parser over them.</summary>
public static class AllPalettes
{
    /// <summary>The help command.</summary>
    public static readonly CommandSpec Help = new("help", "the palettes and their commands (one palette with 'help PALETTE'); COMMAND --help shows a command's switches", [], Positional: "PALETTE");

    /// <summary>Every command with what runs it.</summary>
    public static IReadOnlyList<PaletteCommand> Commands { get; } =
    [
        .. ClusterPalette.Commands,
        .. ShardingPalette.Commands,
        .. ActorPalette.Commands,
        .. LogPalette.Commands,
        .. JobPalette.Commands,
        .. EdgeTrainPalettes.Commands,
        .. AuditPalette.Commands,
        new(Help, ShowHelp),
    ];

    /// <summary>A parser over every command.</summary>
    public static CommandParser Parser { get; } = new([.. Commands.Select(c => c.Spec)]);

    /// <summary>The help: every command of <paramref name="palette"/> (all when null) with its summary.</summary>
    /// <exception cref="CommandUsageException">no such palette.</exception>
    public static IEnumerable<string> HelpLines(string? palette)
    {
        var specs = Parser.Commands.Where(c => palette is null || c.Palette == palette).ToList();
        if (specs.Count == 0)
        {
            var close = Suggestions.Closest(palette ?? "", Parser.Palettes);
            throw new CommandUsageException($"no palette '{palette}'{(close.Count > 0 ? $"; did you mean {string.Join(", ", close.Select(c => $"'{c}'"))}?" : "")}; palettes: {string.Join(", ", Parser.Palettes)}");
        }

        var width = specs.Max(s => s.Usage.Length) + 2;
        foreach (var group in specs.GroupBy(s => s.Palette))
        {
            yield return $"{group.Key}:";
            foreach (var spec in group)
            {
                yield return $"  {spec.Usage.PadRight(width)}{spec.Summary}{(spec.Mutating ? " [needs token]" : "")}";
            }
        }
    }

    /// <summary>The help of one command: usage, summary, switches.</summary>
    public static IEnumerable<string> CommandHelp(CommandSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        yield return $"usage: {spec.Usage}";
        yield return $"  {spec.Summary}";
        foreach (var option in spec.Switches)
        {
            yield return $"  {option.Usage.PadRight(24)}{option.Description}{(option.Required ? " (required)" : "")}";
        }

        if (spec.Mutating)
        {
            yield return "  needs the command token: --token TOKEN or EDGETRAIN_CMD_TOKEN";
        }

        if (spec.Streaming)
        {
            yield return "  runs until Ctrl-C";
        }
    }

    private static async Task<int> ShowHelp(ParsedCommand command, CommandContext context)
    {
        foreach (var line in HelpLines(command.Positional))
        {
            await context.Line(line).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }
}
