using System.Text;
using System.Text.Json;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Commands.Formatting;
using EdgeTrain.Core;
using EdgeTrain.Core.Audit;
using EdgeTrain.Seed.Cli;
using static EdgeTrain.Actors.Jobs.AuditProtocol;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// <c>edgetrain audit verify|export|key</c>: the coordinator's audit log, checked where the verifier is.
/// <c>verify --seed HOST:PORT</c> fetches every entry through the seed's receptionist (as <c>status</c> does),
/// <c>verify --file FILE</c> reads an export; either checks the whole chain (<see cref="AuditChain.Verify"/>)
/// and prints <c>audit chain verified: N entries, head #N HASH</c> (exit 0) or the first entry that does not
/// verify and why (exit 1). <c>--trust FILE|sha256:ID</c> (repeatable) accepts only those signers.
/// <c>export --seed HOST:PORT --out FILE</c> writes the log as JSON Lines (<see cref="AuditJson"/>).
/// <c>key --data-dir DIR</c> prints the id of the audit key in that seed data folder (the default key file), to pin with --trust.
/// Exit 2: bad input, or no answer from the cluster.
/// </summary>
internal static class AuditCommands
{
    private const string Usage = "audit verify (--seed HOST:PORT " + ClientSecurityOption.Usage + " | --file FILE) [--trust FILE|sha256:ID ...] [--json] | audit export --seed HOST:PORT " + ClientSecurityOption.Usage + " --out FILE | audit key --data-dir DIR";

    // entries asked for at once; the coordinator sends at most edgetrain.audit.chunk-entries of them
    private const int Chunk = 500;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var line = CommandLine.Parse(args, ["--seed", "--file", "--trust", "--out", "--data-dir", .. ClientSecurityOption.Options], ["--json", .. ClientSecurityOption.Switches]);
        line.AllowPositionals(1, Usage);
        var action = line.Positionals.Count == 1 ? line.Positionals[0] : throw new InvalidInputException("command line", "ACTION", $"missing; expected verify, export or key; usage: {Usage}");
        return action switch
        {
            "verify" => await VerifyAsync(line, output, error).ConfigureAwait(false),
            "export" => await ExportAsync(line, output, error).ConfigureAwait(false),
            "key" => Key(line, output),
            _ => throw new InvalidInputException("command line", action, $"unknown audit action; expected verify, export or key; usage: {Usage}"),
        };
    }

    private static async Task<int> VerifyAsync(CommandLine line, TextWriter output, TextWriter error)
    {
        var trusts = line.Values("--trust");
        var trust = trusts.Count == 0 ? AuditTrust.Introduced : AuditTrust.Pinned(trusts.Select(AuditTrust.KeyIdOf));
        var (entries, source) = line.Option("--file") is { } file
            ? (ReadExport(file), file)
            : line.Option("--seed") is not null
                ? (await FetchAsync(line, error).ConfigureAwait(false), string.Join(", ", line.Options("--seed")))
                : throw new InvalidInputException("command line", "--seed", "missing; expected --seed HOST:PORT or --file FILE");
        var verdict = AuditChain.Verify(entries, trust);
        if (line.Flag("--json"))
        {
            output.WriteLine(JsonSerializer.Serialize(
                new
                {
                    ok = verdict.Ok,
                    entries = entries.Count,
                    verdict.Verified,
                    head = new { sequence = verdict.HeadSequence, hash = verdict.HeadHash },
                    signers = verdict.Signers,
                    fault = verdict.Fault is { } f ? new { entry = f.Position, claims = f.ClaimedSequence, problem = f.ProblemText, reason = f.Reason } : null,
                    source,
                },
                ClusterCommands.Json));
            return verdict.Ok ? SeedCli.Success : SeedCli.Failure;
        }

        output.WriteLine(verdict.ToString());
        if (verdict.Fault is { } fault)
        {
            output.WriteLine($"  the entry: {AuditFormat.EntryLine(entries[(int)fault.Position - 1])}");
            output.WriteLine(verdict.Verified == 0
                ? "  no entry before it verified"
                : $"  the {verdict.Verified} entries before it verify; their head is #{verdict.HeadSequence} {verdict.HeadHash}");
        }

        foreach (var signer in verdict.Signers)
        {
            output.WriteLine($"  signer sha256:{signer}");
        }

        output.WriteLine($"  trusted: {trust.Description}; source: {source}");
        return verdict.Ok ? SeedCli.Success : SeedCli.Failure;
    }

    private static async Task<int> ExportAsync(CommandLine line, TextWriter output, TextWriter error)
    {
        var path = line.Option("--out") ?? throw new InvalidInputException("command line", "--out", "missing; expected the file to write the log to");
        var entries = await FetchAsync(line, error).ConfigureAwait(false);
        var full = Path.GetFullPath(path);
        var partial = full + ".partial";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllLinesAsync(partial, entries.Select(AuditJson.Line), new UTF8Encoding(false)).ConfigureAwait(false);
            File.Move(partial, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, "--out", $"cannot be written: {e.Message}", e);
        }

        output.WriteLine(entries.Count == 0
            ? $"exported 0 entries to {path}"
            : $"exported {entries.Count} entries to {path}, the last #{entries[^1].Sequence} {entries[^1].Hash}; check it with: edgetrain audit verify --file {path}");
        return SeedCli.Success;
    }

    private static int Key(CommandLine line, TextWriter output)
    {
        var dataDir = line.Option("--data-dir") ?? throw new InvalidInputException("command line", "--data-dir", "missing; expected the seed's data folder");
        var keyFile = EdgeTrainSettings.DefaultAuditKeyFile(dataDir);
        var publicFile = AuditKeyFile.PublicKeyPath(keyFile);
        var source = File.Exists(publicFile) ? publicFile : File.Exists(keyFile) ? keyFile
            : throw new InvalidInputException(keyFile, "--data-dir", "no audit key there: a seed makes it when its coordinator first runs");
        using var key = AuditPublicKey.FromPem(File.ReadAllText(source, Encoding.ASCII), out var problem)
            ?? throw new InvalidInputException(source, "--data-dir", problem ?? "no P-256 key in it");

        output.WriteLine($"audit key sha256:{key.KeyId}");
        output.WriteLine($"  public key file: {publicFile} (pass it, or the line above, to edgetrain audit verify --trust)");
        return SeedCli.Success;
    }

    /// <summary>Every entry of the coordinator's log, chunk by chunk, oldest first.</summary>
    private static async Task<IReadOnlyList<AuditEntry>> FetchAsync(CommandLine line, TextWriter error)
    {
        var seeds = ClusterCommands.Seeds(line);
        await using var client = EdgeTrainClient.Connect(seeds, ClientSecurityOption.Resolve(line, error));
        return await FetchAsync(client, seeds).ConfigureAwait(false);
    }

    /// <summary>Every entry of the coordinator's log, chunk by chunk, oldest first, through <paramref name="client"/>.</summary>
    public static async Task<IReadOnlyList<AuditEntry>> FetchAsync(EdgeTrainClient client, IReadOnlyList<string> seeds)
    {
        var entries = new List<AuditEntry>();
        while (true)
        {
            var answer = await ClusterCommands.Ask(client, new GetAuditLog(entries.Count + 1, Chunk), seeds).ConfigureAwait(false);
            if (answer is not AuditChunk chunk)
            {
                throw new InvalidInputException("command line", "--seed", $"the coordinator answered {answer.GetType().Name} instead of audit entries");
            }

            entries.AddRange(chunk.Entries);
            if (chunk.Entries.Length == 0 || entries.Count >= chunk.Count)
            {
                return entries;
            }
        }
    }

    /// <summary>The entries of an export file, each line one (a line that is not an entry stands in as unreadable).</summary>
    public static IReadOnlyList<AuditEntry> ReadExport(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return [.. File.ReadAllLines(path, Encoding.UTF8).Select((text, i) => AuditJson.Read(text, i + 1))];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, "--file", $"cannot be read: {e.Message}", e);
        }
    }
}
