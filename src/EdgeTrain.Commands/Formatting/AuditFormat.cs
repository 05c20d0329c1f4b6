using System.Globalization;
using EdgeTrain.Core.Audit;

namespace EdgeTrain.Commands.Formatting;

/// <summary>Lines of the audit log, as <c>edgetrain-cmd audit tail</c> and <c>edgetrain audit verify</c> print them.</summary>
public static class AuditFormat
{
    /// <summary>
    /// One entry: <c>#12 | 2026-12-03 09:00:01Z | job.pause | mnist-mlp-1 | edgetrain-cmd (ipv4:10.0.0.9:51234) | was running | 3f9a1c2e…</c>
    /// (number, time, action, subject, who, detail, the first 8 hex digits of its hash); an unreadable one says why.
    /// </summary>
    public static string EntryLine(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var hash = entry.Hash.Length > 8 ? entry.Hash[..8] + "…" : entry.Hash;
        return entry.Damage is { } damage
            ? $"#{entry.Sequence} | unreadable | {damage} | {hash}"
            : string.Create(CultureInfo.InvariantCulture,
                $"#{entry.Sequence} | {entry.TimeUtc:yyyy-MM-dd HH:mm:ss}Z | {entry.Action} | {entry.Subject} | {entry.Who} | {(entry.Detail.Length == 0 ? "-" : entry.Detail)} | {hash}");
    }

    /// <summary>The last line of a tail: how many entries it showed of how many, and the head.</summary>
    public static string Count(int shown, long total, string headHash) =>
        total == 0 ? "Count: 0 entries" : $"Count: {shown} of {total} entries, head #{total} {headHash}";
}
