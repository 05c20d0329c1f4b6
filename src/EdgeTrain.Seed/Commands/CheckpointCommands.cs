using System.Globalization;
using System.Text.Json;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Core.Security;
using EdgeTrain.Seed.Cli;
using static EdgeTrain.Actors.Jobs.CheckpointProtocol;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// <c>edgetrain checkpoint list|save|rollback|export --job J --seed HOST:PORT [--id N] [--label L] [--out FILE] [--json]</c>:
/// a job's checkpoints, kept by the JobCoordinator (<see cref="Actors.Jobs.CheckpointProtocol"/>).
/// <c>save</c> takes one (every slice at its current version); <c>list</c> shows id, time, label,
/// slice versions and size; <c>rollback --id N</c> restores every slice to checkpoint N;
/// <c>export [--id N] [--out FILE]</c> copies checkpoint N (default: the newest) from the coordinator
/// to FILE (default <c>{job}-checkpoint-{id}.ckpt</c>), for <c>edgetrain evaluate --model</c> and
/// <c>train-local --init</c>, as the coordinator stores it: a file encrypted with the coordinator's
/// storage key stays encrypted. It is verified (checksum and the journal's CRC of the values) when it is
/// plain or this command has its key (<c>--key</c>, <see cref="StorageKeyOption"/>); without the key only
/// the encryption header is checked. Exit codes: 0 done, 1 the coordinator could not do it, 2 bad input
/// (an unknown job names <c>--job</c>, an unknown checkpoint <c>--id</c>).
/// </summary>
internal static class CheckpointCommands
{
    private const string Usage = "checkpoint list|save|rollback|export --job J --seed HOST:PORT [--id N] [--label L] [--out FILE] [--json] " + StorageKeyOption.Usage;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var line = CommandLine.Parse(args, ["--seed", "--job", "--id", "--label", "--out", .. StorageKeyOption.Options, .. ClientSecurityOption.Options], ["--json", .. ClientSecurityOption.Switches]);
        line.AllowPositionals(1, Usage);
        var action = line.Positionals.Count == 1 ? line.Positionals[0] : throw new InvalidInputException("command line", "ACTION", $"missing; expected list, save, rollback or export; usage: {Usage}");
        if (action is not ("list" or "save" or "rollback" or "export"))
        {
            throw new InvalidInputException("command line", action, "unknown checkpoint action; expected list, save, rollback or export");
        }

        var job = line.Option("--job") ?? throw new InvalidInputException("command line", "--job", "missing; expected a job id (see edgetrain status)");
        long? id = line.Option("--id") is null ? null : line.Int("--id", 0, 1, int.MaxValue);
        if (action == "rollback" && id is null)
        {
            throw new InvalidInputException("command line", "--id", "missing; expected the checkpoint to roll back to (see edgetrain checkpoint list)");
        }

        var json = line.Flag("--json");
        var key = action == "export" ? StorageKeyOption.Resolve(line) : null;
        var seeds = ClusterCommands.Seeds(line);
        await using var client = EdgeTrainClient.Connect(seeds, ClientSecurityOption.Resolve(line, error));
        object request = action switch
        {
            "list" => new ListCheckpoints(job),
            "save" => new SaveCheckpoint(job, line.Option("--label")),
            "rollback" => new RollbackCheckpoint(job, id!.Value),
            _ => new FetchCheckpoint(job, id, 0),
        };
        var answer = await ClusterCommands.Ask(client, request, seeds).ConfigureAwait(false);
        switch (answer)
        {
            case CheckpointUnknown unknown:
                throw new InvalidInputException("command line", unknown.CheckpointId is null ? "--job" : "--id", unknown.Reason);
            case CheckpointFailed failed:
                error.WriteLine($"edgetrain: checkpoint {action} of {failed.JobId} failed: {failed.Reason}");
                return SeedCli.Failure;
            case CheckpointList list:
                if (json)
                {
                    output.WriteLine(JsonSerializer.Serialize(list.Checkpoints, ClusterCommands.Json));
                }
                else if (list.Checkpoints.Length == 0)
                {
                    output.WriteLine($"job {list.JobId} has no checkpoints");
                }
                else
                {
                    foreach (var checkpoint in list.Checkpoints)
                    {
                        output.WriteLine(Describe(checkpoint));
                    }
                }

                return SeedCli.Success;
            case CheckpointSaved saved:
                output.WriteLine(json ? JsonSerializer.Serialize(saved.Checkpoint, ClusterCommands.Json) : "saved " + Describe(saved.Checkpoint));
                return SeedCli.Success;
            case RolledBack rolledBack:
                output.WriteLine(json
                    ? JsonSerializer.Serialize(rolledBack, ClusterCommands.Json)
                    : $"rolled {rolledBack.JobId} back to checkpoint {rolledBack.CheckpointId}; slice versions now [{string.Join(",", rolledBack.Versions)}]");
                return SeedCli.Success;
            case CheckpointChunk first:
                return await ExportAsync(client, seeds, first, line.Option("--out"), key, json, output, error).ConfigureAwait(false);
            default:
                error.WriteLine($"edgetrain: unexpected answer {answer.GetType().Name}");
                return SeedCli.Failure;
        }
    }

    // reads the rest of the file chunk by chunk, verifies it (an encrypted one only with its key), then
    // writes it as the coordinator stores it
    private static async Task<int> ExportAsync(EdgeTrainClient client, IReadOnlyList<string> seeds, CheckpointChunk first, string? outPath, StorageKey? key, bool json, TextWriter output, TextWriter error)
    {
        var info = first.Checkpoint;
        var bytes = new byte[first.TotalBytes];
        var chunk = first;
        while (true)
        {
            chunk.Bytes.CopyTo(bytes, chunk.Offset);
            var next = chunk.Offset + chunk.Bytes.Length;
            if (next >= bytes.Length || chunk.Bytes.Length == 0)
            {
                break;
            }

            var answer = await ClusterCommands.Ask(client, new FetchCheckpoint(info.JobId, info.Id, next), seeds).ConfigureAwait(false);
            if (answer is not CheckpointChunk more)
            {
                error.WriteLine($"edgetrain: checkpoint export of {info.JobId} failed: {(answer as CheckpointFailed)?.Reason ?? (answer as CheckpointUnknown)?.Reason ?? answer.GetType().Name}");
                return SeedCli.Failure;
            }

            chunk = more;
        }

        var source = $"checkpoint {info.Id} of {info.JobId}";
        var encrypted = EncryptedBlob.IsEncrypted(bytes);
        string? problem = null;
        var check = encrypted ? EncryptedBlob.Check(bytes, key, out problem) : BlobCheck.NotEncrypted;
        if (check is BlobCheck.OtherKey)
        {
            throw new InvalidInputException(key!.Source, "--key", $"{source} is encrypted with storage key {EncryptedBlob.KeyIdOf(bytes)}, not with this key ({key.Id}); give its key to verify it, or no key to copy it unverified");
        }

        // an encrypted file without its key: only its header can be checked here
        var verified = !encrypted || key is not null;
        if (encrypted && key is null && check is not BlobCheck.NoKey)
        {
            error.WriteLine($"edgetrain: checkpoint export failed: the coordinator's file of {source} is damaged: {problem}");
            return SeedCli.Failure;
        }

        if (verified)
        {
            CheckpointContents contents;
            try
            {
                contents = encrypted ? CheckpointFile.FromStoredBytes(bytes, source, key) : CheckpointFile.FromBytes(bytes, source);
            }
            catch (InvalidInputException e)
            {
                error.WriteLine($"edgetrain: checkpoint export failed: the coordinator's file is damaged: {e.Message}");
                return SeedCli.Failure;
            }

            if (contents.ContentHash != info.ContentHash)
            {
                error.WriteLine($"edgetrain: checkpoint export failed: the coordinator's file of {source} does not hold what its journal recorded");
                return SeedCli.Failure;
            }
        }

        var path = outPath ?? $"{info.JobId}-checkpoint-{info.Id.ToString(CultureInfo.InvariantCulture)}{CheckpointFile.Extension}";
        try
        {
            var full = Path.GetFullPath(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllBytesAsync(full, bytes).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, "--out", $"cannot be written: {e.Message}", e);
        }

        var keyId = encrypted ? EncryptedBlob.KeyIdOf(bytes) : null;
        output.WriteLine(json
            ? JsonSerializer.Serialize(new { path, checkpoint = info, encryptedWith = keyId, verified }, ClusterCommands.Json)
            : $"exported {Describe(info)} to {path}" + (keyId is null ? "" : verified
                ? $", encrypted with storage key {keyId}"
                : $", encrypted with storage key {keyId} (copied as stored, not verified here: give --key FILE to verify it; evaluate and train-local --init need that key)"));
        return SeedCli.Success;
    }

    private static string Describe(CheckpointInfo c) => string.Create(CultureInfo.InvariantCulture,
        $"checkpoint {c.Id} of {c.JobId} {c.TakenUtc:yyyy-MM-dd HH:mm:ss}Z{(c.Label is null ? "" : $" \"{c.Label}\"")}: slice versions [{string.Join(",", c.Slices.Select(s => s.Version))}], {c.TotalFloats:N0} floats, crc32c {c.ContentHash:X8}");
}
