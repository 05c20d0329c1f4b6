using System.Text.Json;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core.Membership;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Tests;

namespace EdgeTrain.Seed.Tests.Cli;

/// <summary>
/// <c>edgetrain checkpoint</c>, <c>evaluate</c> and <c>train-local --init</c> through <see cref="SeedCli.Run"/>,
/// against a one-node cluster (all roles) in this process.
/// </summary>
public sealed class CheckpointCommandSpec : IAsyncLifetime
{
    private static readonly NodeCapabilities Capable = new(2, 8L << 30, true, null, false, 0, 10, 10L << 30, "test");
    private readonly TempFolder temp = new();
    private readonly TestPki pki = new();
    private EdgeTrainNode? node;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (node is not null)
        {
            await node.System.Terminate();
        }

        temp.Dispose();
        pki.Dispose();
    }

    private static int FreePort() => LoopbackPorts.Free();

    private string Job()
    {
        var path = temp.File("job.conf");
        File.WriteAllText(path, $$"""
            job {
              name = ckpt-cli
              model { type = mlp, hidden = [32] }
              data.path = "{{RepoPaths.Mnist.Replace("\\", "/", StringComparison.Ordinal)}}"
              optimizer { type = adam, learning-rate = 0.002 }
              batch-size = 64
              max-epochs = 3
              target-accuracy = 0.85
              slice-floats = 8192
            }
            """);
        return path;
    }

    // a client command that reaches the cluster speaks mutual TLS with a client certificate of the test CA
    private (int Code, string Out, string Err) Run(params string[] args)
    {
        if (args.Contains("--seed") && !args.Contains("127.0.0.1:1"))
        {
            args = [.. args, "--ca", pki.Folder];
        }

        var output = new StringWriter();
        var error = new StringWriter();
        var code = SeedCli.Run(args, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    private static JsonElement LastJson(string output)
    {
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        return json.RootElement.Clone();
    }

    [Fact]
    public void A_checkpoint_saved_and_exported_from_a_cluster_is_scored_by_evaluate_and_trained_on_by_train_local()
    {
        var port = FreePort();
        var tuning = temp.File("tuning.conf");
        File.WriteAllText(tuning, "edgetrain.coordinator.evaluation-interval = 300ms\n");
        pki.ProvisionIdentity(temp.Path, "seed-1", ["seed", "params", "aggregator", "trainer"]);
        node = EdgeTrainNode.Start(new NodeOptions("127.0.0.1", port, [$"127.0.0.1:{port}"], "local", ["seed", "params", "aggregator", "trainer"], temp.Path, Capable, [tuning], TorchThreads: 1));
        var seed = $"127.0.0.1:{port}";
        var job = Job();

        var submitted = Run("submit", job, "--seed", seed, "--wait");
        Assert.True(submitted.Code == SeedCli.Success, submitted.Out + submitted.Err);
        var jobId = submitted.Out.Split('\n')[0].Split(' ')[^1].Trim();

        var saved = Run("checkpoint", "save", "--job", jobId, "--seed", seed, "--label", "trained", "--json");
        Assert.True(saved.Code == SeedCli.Success, saved.Err);
        Assert.Equal(1, LastJson(saved.Out).GetProperty("id").GetInt64());
        Assert.Equal("trained", LastJson(saved.Out).GetProperty("label").GetString());

        var list = Run("checkpoint", "list", "--job", jobId, "--seed", seed);
        Assert.Equal(SeedCli.Success, list.Code);
        Assert.Contains($"checkpoint 1 of {jobId}", list.Out, StringComparison.Ordinal);
        Assert.Contains("\"trained\": slice versions [", list.Out, StringComparison.Ordinal);
        Assert.Contains("25,450 floats", list.Out, StringComparison.Ordinal);

        var model = temp.File("exported/model.ckpt");
        var exported = Run("checkpoint", "export", "--job", jobId, "--seed", seed, "--out", model);
        Assert.True(exported.Code == SeedCli.Success, exported.Err);
        Assert.True(File.Exists(model));

        var rolledBack = Run("checkpoint", "rollback", "--job", jobId, "--seed", seed, "--id", "1", "--json");
        Assert.True(rolledBack.Code == SeedCli.Success, rolledBack.Err);
        Assert.Equal(1, LastJson(rolledBack.Out).GetProperty("checkpointId").GetInt64());

        var evaluated = Run("evaluate", "--model", model, "--job", job, "--json");
        Assert.True(evaluated.Code == SeedCli.Success, evaluated.Err);
        var score = LastJson(evaluated.Out);
        Assert.True(score.GetProperty("accuracy").GetDouble() >= 0.8, evaluated.Out);
        Assert.Equal(1, score.GetProperty("checkpoint").GetInt64());
        Assert.Equal(25_450, score.GetProperty("parameters").GetInt32());

        var trained = Run("train-local", "--job", job, "--init", model, "--epochs", "1", "--json", "--out", temp.File("run"));
        Assert.True(trained.Code == SeedCli.Success, trained.Err);
        Assert.Contains("starting from checkpoint 1 of " + jobId, trained.Out, StringComparison.Ordinal);
        Assert.True(LastJson(trained.Out).GetProperty("accuracy").GetDouble() >= 0.8, trained.Out);

        // every checkpoint operation is in the audit log, which verifies
        var audit = Run("audit", "verify", "--seed", seed);
        Assert.True(audit.Code == SeedCli.Success, audit.Out + audit.Err);
        var log = temp.File("audit.jsonl");
        Assert.Equal(SeedCli.Success, Run("audit", "export", "--seed", seed, "--out", log).Code);
        var actions = File.ReadAllLines(log).Select(line =>
        {
            using var entry = JsonDocument.Parse(line);
            return (entry.RootElement.GetProperty("action").GetString(), entry.RootElement.GetProperty("subject").GetString());
        }).ToList();
        Assert.All(new[] { "job.submit", "job.end", "checkpoint.save", "checkpoint.export", "checkpoint.rollback" }, action => Assert.Contains((action, jobId), actions));

        // bad input names the key, exit 2
        var noId = Run("checkpoint", "rollback", "--job", jobId, "--seed", seed);
        Assert.Equal(SeedCli.BadInput, noId.Code);
        Assert.Contains("--id", noId.Err, StringComparison.Ordinal);
        var unknownId = Run("checkpoint", "rollback", "--job", jobId, "--seed", seed, "--id", "7");
        Assert.Equal(SeedCli.BadInput, unknownId.Code);
        Assert.Contains("--id: job " + jobId + " has no checkpoint 7", unknownId.Err, StringComparison.Ordinal);
        var unknownJob = Run("checkpoint", "list", "--job", "nope", "--seed", seed);
        Assert.Equal(SeedCli.BadInput, unknownJob.Code);
        Assert.Contains("--job: no job 'nope'", unknownJob.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_refuses_a_damaged_file_naming_it()
    {
        var model = temp.File("bad.ckpt");
        Core.Parameters.CheckpointFile.Write(model, new Core.Parameters.CheckpointContents("j", 1, DateTime.UtcNow, null, [new Core.Parameters.CheckpointSlice(0, 3, new float[25_450])]));
        var bytes = File.ReadAllBytes(model);
        bytes[100] ^= 0x40;
        File.WriteAllBytes(model, bytes);

        var run = Run("evaluate", "--model", model, "--job", Job());

        Assert.Equal(SeedCli.BadInput, run.Code);
        Assert.Contains(model + ": checksum: the file is damaged", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_refuses_a_checkpoint_of_another_model_naming_it()
    {
        var model = temp.File("small.ckpt");
        Core.Parameters.CheckpointFile.Write(model, new Core.Parameters.CheckpointContents("j", 1, DateTime.UtcNow, null, [new Core.Parameters.CheckpointSlice(0, 3, new float[100])]));

        var run = Run("evaluate", "--model", model, "--job", Job());

        Assert.Equal(SeedCli.BadInput, run.Code);
        Assert.Contains(model + ": slices: holds 100 parameters; the mlp model of job ckpt-cli has 25450", run.Err, StringComparison.Ordinal);
        Assert.Equal(SeedCli.BadInput, Run("evaluate", "--job", Job()).Code);
        Assert.Equal(SeedCli.BadInput, Run("checkpoint", "fly", "--job", "x", "--seed", "127.0.0.1:1").Code);
    }

    [Fact]
    public async Task With_a_storage_key_a_checkpoint_is_exported_encrypted_as_stored_and_read_only_with_its_key()
    {
        var port = FreePort();
        var keyFile = temp.File("storage.key");
        var key = Core.Security.StorageKey.CreateFile(keyFile);
        var storage = temp.File("storage.conf");
        File.WriteAllText(storage, $"edgetrain.storage.key-file = \"{keyFile.Replace("\\", "/", StringComparison.Ordinal)}\"\n");
        pki.ProvisionIdentity(temp.Path, "seed-1", ["seed", "params", "aggregator", "trainer"]);
        node = EdgeTrainNode.Start(new NodeOptions("127.0.0.1", port, [$"127.0.0.1:{port}"], "local", ["seed", "params", "aggregator", "trainer"], temp.Path, Capable, [storage], TorchThreads: 1));
        var seed = $"127.0.0.1:{port}";
        var job = Job();

        var submitted = Run("submit", job, "--seed", seed);
        Assert.True(submitted.Code == SeedCli.Success, submitted.Out + submitted.Err);
        var jobId = submitted.Out.Split('\n')[0].Split(' ')[^1].Trim();

        // the job's slices exist once it runs; a save before then fails and is tried again
        var saved = Run("checkpoint", "save", "--job", jobId, "--seed", seed);
        for (var tries = 0; saved.Code != SeedCli.Success && tries < 60; tries++)
        {
            await Task.Delay(500);
            saved = Run("checkpoint", "save", "--job", jobId, "--seed", seed);
        }

        Assert.True(saved.Code == SeedCli.Success, saved.Err);
        var stored = File.ReadAllBytes(Actors.Jobs.JobFiles.CheckpointPath(temp.Path, jobId, 1));
        Assert.Equal(key.Id, Core.Security.EncryptedBlob.KeyIdOf(stored));

        var unverifiedPath = temp.File("unverified.ckpt");
        var unverified = Run("checkpoint", "export", "--job", jobId, "--seed", seed, "--out", unverifiedPath);
        var verifiedPath = temp.File("verified.ckpt");
        var verified = Run("checkpoint", "export", "--job", jobId, "--seed", seed, "--out", verifiedPath, "--key", keyFile, "--json");

        Assert.True(unverified.Code == SeedCli.Success, unverified.Err);
        Assert.Contains($"encrypted with storage key {key.Id} (copied as stored, not verified here", unverified.Out, StringComparison.Ordinal);
        Assert.True(verified.Code == SeedCli.Success, verified.Err);
        Assert.True(LastJson(verified.Out).GetProperty("verified").GetBoolean());
        Assert.Equal(stored, File.ReadAllBytes(unverifiedPath));
        Assert.Equal(stored, File.ReadAllBytes(verifiedPath));

        var evaluated = Run("evaluate", "--model", unverifiedPath, "--job", job, "--key", keyFile, "--json");
        Assert.True(evaluated.Code == SeedCli.Success, evaluated.Err);
        Assert.Equal(1, LastJson(evaluated.Out).GetProperty("checkpoint").GetInt64());
        var withoutKey = Run("evaluate", "--model", unverifiedPath, "--job", job);
        Assert.Equal(SeedCli.BadInput, withoutKey.Code);
        Assert.Contains($"{unverifiedPath}: encryption: encrypted with storage key {key.Id}, and no storage key is configured", withoutKey.Err, StringComparison.Ordinal);
    }
}
