using EdgeTrain.Commands.Formatting;
using EdgeTrain.Commands.Parsing;
using static EdgeTrain.Actors.Jobs.AuditProtocol;

namespace EdgeTrain.Commands.Palettes;

/// <summary>
/// EdgeTrain's <c>audit</c> palette: the latest entries of the coordinator's audit log. Checking the whole
/// chain is <c>edgetrain audit verify</c>'s work, on the researcher's side, with keys the verifier trusts.
/// </summary>
public static class AuditPalette
{
    /// <summary>The most entries <c>audit tail -n</c> shows.</summary>
    public const int MaxTail = 500;

    /// <summary>The <c>-n|--count N</c> switch of <c>audit tail</c>.</summary>
    public static readonly SwitchSpec Count = new("-n", "--count", "N", $"how many of the latest entries to show (1-{MaxTail}, default 20)");

    /// <summary>The palette's commands.</summary>
    public static IEnumerable<PaletteCommand> Commands =>
    [
        new(new("audit tail", "the latest entries of the audit log: number, time, action, subject, who, detail, hash", [Count]), Tail),
    ];

    private static async Task<int> Tail(ParsedCommand command, CommandContext context)
    {
        var count = command.Int("--count", 20, 1, MaxTail);
        if (await context.Ask(context.Coordinator, new GetAuditLog(0, count), "the job coordinator").ConfigureAwait(false) is not AuditChunk chunk)
        {
            throw new CommandFailedException("unexpected answer from the job coordinator");
        }

        foreach (var entry in chunk.Entries)
        {
            await context.Line(AuditFormat.EntryLine(entry)).ConfigureAwait(false);
        }

        await context.Line(AuditFormat.Count(chunk.Entries.Length, chunk.Count, chunk.HeadHash)).ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
