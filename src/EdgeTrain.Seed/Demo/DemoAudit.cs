using System.Text;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core.Audit;
using EdgeTrain.Seed.Commands;

namespace EdgeTrain.Seed.Demo;

/// <summary>
/// The demo's last look at the coordinator's audit log: every entry fetched from the seed, written to
/// <c>{run}/audit.jsonl</c> and checked against the seed's own signing key (pinned from the run folder, so a
/// log re-signed with another key fails too) — what <c>edgetrain audit verify --file</c> does afterwards.
/// </summary>
internal static class DemoAudit
{
    /// <summary>The export's file name in the run folder.</summary>
    public const string FileName = "audit.jsonl";

    /// <summary>Fetches, writes and verifies the log; notes the outcome and returns it for the demo's JSON.</summary>
    public static async Task<DemoAuditReport> WriteAsync(EdgeTrainClient client, string seedAddress, string runDir, Action<string> note)
    {
        var path = Path.Combine(runDir, FileName);
        try
        {
            var entries = await AuditCommands.FetchAsync(client, [seedAddress]).ConfigureAwait(false);
            await File.WriteAllLinesAsync(path, entries.Select(AuditJson.Line), new UTF8Encoding(false)).ConfigureAwait(false);
            var keyFile = EdgeTrainSettings.DefaultAuditKeyFile(runDir);
            var trust = AuditTrust.Pinned([AuditTrust.KeyIdOf(AuditKeyFile.PublicKeyPath(keyFile))]);
            var verdict = AuditChain.Verify(entries, trust);
            note($"audit: {verdict}; wrote {path} (check it again with: edgetrain audit verify --file {path} --trust {AuditKeyFile.PublicKeyPath(keyFile)})");
            return new DemoAuditReport(path, entries.Count, verdict.Ok, verdict.HeadSequence, verdict.HeadHash, verdict.Fault?.ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Core.InvalidInputException or TimeoutException)
        {
            note($"audit: could not be fetched or written: {e.Message}");
            return new DemoAuditReport(path, 0, false, 0, "", e.Message);
        }
    }
}

/// <summary>What the demo's JSON says of the audit log: where it was written, its length and head, and whether it verified.</summary>
internal sealed record DemoAuditReport(string File, int Entries, bool Verified, long HeadSequence, string HeadHash, string? Fault);
