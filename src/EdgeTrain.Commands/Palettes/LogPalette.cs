using EdgeTrain.Commands.Logging;
using EdgeTrain.Commands.Parsing;

namespace EdgeTrain.Commands.Palettes;

/// <summary>Petabridge.Cmd's <c>log</c> palette: the node's latest log events from the host's ring buffer.</summary>
public static class LogPalette
{
    /// <summary>The palette's commands.</summary>
    public static IEnumerable<PaletteCommand> Commands =>
    [
        new(new("log peek", "the node's latest log events (default 50, at info level or above)",
            [new("-c", "--count", "COUNT", "how many events at most (1-10000)"), new("-l", "--level", "LEVEL", "the lowest level shown: debug, info, warning, error")]), Peek),
    ];

    private static async Task<int> Peek(ParsedCommand command, CommandContext context)
    {
        var count = command.Int("--count", 50, 1, 10_000);
        var levelText = command.Value("--level") ?? "info";
        var level = LogRing.Parse(levelText) ?? throw new CommandUsageException($"log peek: --level expects debug, info, warning or error, found '{levelText}'");
        var entries = context.Logs.Peek(count, level);
        foreach (var entry in entries)
        {
            await context.Line(LogRing.Format(entry)).ConfigureAwait(false);
        }

        await context.Line($"Count: {entries.Count} log events").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
