using System.Buffers.Binary;
using Akka.Actor;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Membership;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Tests;
using Microsoft.Data.Sqlite;
using static EdgeTrain.Actors.Jobs.AuditProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Seed.Tests.Cli;

/// <summary>
/// <c>edgetrain audit verify|export|key</c> against a one-node cluster (seed, params, aggregator; no trainer, so
/// jobs wait) in this process, whose coordinator journals to SQLite in a temporary folder: the log verifies,
/// and after one byte of a stored entry is changed behind the coordinator's back and it recovers, verify
/// names that entry.
/// </summary>
public sealed class AuditCommandSpec : IAsyncLifetime
{
    private static readonly NodeCapabilities Capable = new(2, 8L << 30, false, "test", false, 0, 10, 10L << 30, "test");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly TempFolder temp = new();
    private readonly TestPki pki = new();
    private EdgeTrainNode? node;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await StopAsync();
        SqliteConnection.ClearAllPools();
        temp.Dispose();
        pki.Dispose();
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

    // a node on a new port over the same data folder (journal and audit key): a coordinator that recovers
    private async Task<string> StartAsync()
    {
        var port = LoopbackPorts.Free();
        pki.ProvisionIdentity(temp.Path, "seed-1", ["seed", "params", "aggregator", "trainer"]);
        node = EdgeTrainNode.Start(new NodeOptions("127.0.0.1", port, [$"127.0.0.1:{port}"], "local", ["seed", "params", "aggregator"], temp.Path, Capable, []));
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            try
            {
                if (await node.Coordinator.Ask<object>(GetNodes.Instance, TimeSpan.FromSeconds(3)) is NodeList { Nodes.Count: 1 })
                {
                    return $"127.0.0.1:{port}";
                }
            }
            catch (AskTimeoutException) when (DateTime.UtcNow < deadline)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, "the coordinator did not answer");
            await Task.Delay(200);
        }
    }

    private async Task StopAsync()
    {
        if (node is not null)
        {
            await node.System.Terminate();
            node = null;
        }
    }

    private async Task<AuditEntry[]> EntriesAsync(int atLeast)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var chunk = await node!.Coordinator.Ask<AuditChunk>(new GetAuditLog(1, 1_000), TimeSpan.FromSeconds(5));
            if (chunk.Entries.Length >= atLeast)
            {
                return chunk.Entries;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the log has {chunk.Entries.Length} entries, not {atLeast}");
            await Task.Delay(200);
        }
    }

    private string JobFile()
    {
        var path = temp.File("job.conf");
        File.WriteAllText(path, $$"""
            job {
              name = audited
              model { type = mlp, hidden = [16] }
              data.path = "{{RepoPaths.Mnist.Replace("\\", "/", StringComparison.Ordinal)}}"
              optimizer { type = sgd, learning-rate = 0.1 }
              batch-size = 64
              target-accuracy = 0.9
              slice-floats = 8192
            }
            """);
        return path;
    }

    // a few key operations: a submit through the cluster client, a priority change, an entry asked for by an actor of the cluster
    private async Task<AuditEntry[]> OperateAsync(string seed)
    {
        var submitted = Run("submit", JobFile(), "--seed", seed);
        Assert.True(submitted.Code == SeedCli.Success, submitted.Out + submitted.Err);
        Assert.IsType<JobPrioritySet>(await node!.Coordinator.Ask<object>(new SetJobPriority("audited-1", 5, "edgetrain-cmd (spec)"), Wait));
        Assert.IsType<AuditRecorded>(await node.Coordinator.Ask<object>(new AppendAudit("spec", "ops.cluster.down", node.Address, "cluster down -a 127.0.0.1:1"), Wait));
        return await EntriesAsync(5);
    }

    /// <summary>The journal's stored record of audit entry <paramref name="position"/> (1 first): its sequence number in the journal and its bytes.</summary>
    private (long JournalNr, byte[] Bytes) Stored(int position)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(temp.Path, "edgetrain.db")}");
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT sequence_number, message FROM journal WHERE persistence_id = 'job-coordinator' AND identifier = $id AND deleted = 0 ORDER BY sequence_number LIMIT 1 OFFSET $skip";
        read.Parameters.AddWithValue("$id", AuditEntrySerializer.SerializerId);
        read.Parameters.AddWithValue("$skip", position - 1);
        using var reader = read.ExecuteReader();
        Assert.True(reader.Read(), $"no stored audit entry {position}");
        return (reader.GetInt64(0), (byte[])reader[1]);
    }

    private void Store(long journalNr, byte[] bytes)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(temp.Path, "edgetrain.db")}");
        connection.Open();
        using var write = connection.CreateCommand();
        write.CommandText = "UPDATE journal SET message = $bytes WHERE persistence_id = 'job-coordinator' AND sequence_number = $nr";
        write.Parameters.AddWithValue("$bytes", bytes);
        write.Parameters.AddWithValue("$nr", journalNr);
        Assert.Equal(1, write.ExecuteNonQuery());
    }

    // where field `field` (1 first) of a stored record starts: its length prefix
    private static int FieldAt(byte[] record, int field)
    {
        var at = 0;
        for (var i = 1; i < field; i++)
        {
            at += 4 + (int)BinaryPrimitives.ReadUInt32BigEndian(record.AsSpan(at));
        }

        return at;
    }

    [Fact]
    public async Task Verify_passes_on_a_running_cluster_and_names_the_entry_after_one_stored_byte_is_changed()
    {
        var seed = await StartAsync();
        var entries = await OperateAsync(seed);
        Assert.Equal(AuditActions.Signer, entries[0].Action);
        Assert.Contains(entries, e => e is { Action: AuditActions.NodeRegister } && e.Subject == node!.Address);
        var submit = Array.FindIndex(entries, e => e.Action == AuditActions.JobSubmit) + 1;
        Assert.StartsWith("client akka.ssl.tcp://edgetrain-client@127.0.0.1:", entries[submit - 1].Who, StringComparison.Ordinal);
        Assert.Contains(entries, e => e is { Action: AuditActions.JobPriority, Subject: "audited-1", Who: "edgetrain-cmd (spec)", Detail: "priority 0 -> 5" });
        Assert.Contains(entries, e => e is { Action: "ops.cluster.down", Who: "spec" });

        // verify, export, verify the export, trust the seed's own key and no other
        var verified = Run("audit", "verify", "--seed", seed);
        Assert.True(verified.Code == SeedCli.Success, verified.Out + verified.Err);
        Assert.Matches(@"^audit chain verified: \d+ entries, head #\d+ [0-9a-f]{64}", verified.Out);
        var export = temp.File("audit.jsonl");
        var exported = Run("audit", "export", "--seed", seed, "--out", export);
        Assert.True(exported.Code == SeedCli.Success, exported.Out + exported.Err);
        Assert.Equal(SeedCli.Success, Run("audit", "verify", "--file", export).Code);
        var key = Run("audit", "key", "--data-dir", temp.Path);
        Assert.Equal(SeedCli.Success, key.Code);
        var keyId = key.Out.Split('\n')[0]["audit key ".Length..].Trim();
        Assert.Equal($"sha256:{entries[0].Subject}", keyId);
        Assert.Equal(SeedCli.Success, Run("audit", "verify", "--file", export, "--trust", keyId).Code);
        Assert.Equal(SeedCli.Success, Run("audit", "verify", "--seed", seed, "--trust", AuditKeyFile.PublicKeyPath(Path.Combine(temp.Path, "audit", "coordinator-key.pem"))).Code);
        var untrusted = Run("audit", "verify", "--file", export, "--trust", "sha256:" + new string('0', 64));
        Assert.Equal(SeedCli.Failure, untrusted.Code);
        Assert.StartsWith("audit chain broken at entry #1: unknown signer:", untrusted.Out, StringComparison.Ordinal);

        // one byte of the submit's detail, changed in the journal while the coordinator is down
        await StopAsync();
        var (journalNr, bytes) = Stored(submit);
        bytes[FieldAt(bytes, 7) + 4 + 3] ^= 0x01;
        Store(journalNr, bytes);
        seed = await StartAsync();

        var broken = Run("audit", "verify", "--seed", seed);
        Assert.Equal(SeedCli.Failure, broken.Code);
        Assert.StartsWith($"audit chain broken at entry #{submit}: hash mismatch:", broken.Out, StringComparison.Ordinal);
        Assert.Contains($"the {submit - 1} entries before it verify", broken.Out, StringComparison.Ordinal);

        // the coordinator goes on after it with the same key: no second signer entry, new entries chained on
        var after = await EntriesAsync(entries.Length + 1);
        Assert.Single(after, e => e.Action == AuditActions.Signer);
        Assert.Contains(after.Skip(entries.Length), e => e.Action == AuditActions.NodeRegister);
        Assert.Equal(after[^2].Hash, after[^1].PreviousHash);
    }

    [Fact]
    public async Task A_stored_entry_that_no_longer_decodes_is_named_unreadable_and_the_coordinator_recovers_everything_else()
    {
        var seed = await StartAsync();
        var entries = await OperateAsync(seed);
        var priority = Array.FindIndex(entries, e => e.Action == AuditActions.JobPriority) + 1;

        await StopAsync();
        var (journalNr, bytes) = Stored(priority);
        bytes[FieldAt(bytes, 4)] ^= 0x40; // the length of "who" now runs past the record
        Store(journalNr, bytes);
        seed = await StartAsync();

        var broken = Run("audit", "verify", "--seed", seed);
        Assert.Equal(SeedCli.Failure, broken.Code);
        Assert.StartsWith($"audit chain broken at entry #{priority}: unreadable: field ", broken.Out, StringComparison.Ordinal);
        var status = await node!.Coordinator.Ask<JobStatus>(new GetJobStatus("audited-1"), Wait);
        Assert.Equal(5, status.Priority);
        var after = await EntriesAsync(entries.Length + 1);
        Assert.Equal(AuditActions.Unreadable, after[priority - 1].Action);
        Assert.Equal(priority, after[priority - 1].Sequence);

        // an export keeps the stand-in, and verifying the file names the same entry
        var export = temp.File("damaged.jsonl");
        Assert.Equal(SeedCli.Success, Run("audit", "export", "--seed", seed, "--out", export).Code);
        var fromFile = Run("audit", "verify", "--file", export, "--json");
        Assert.Equal(SeedCli.Failure, fromFile.Code);
        Assert.Contains($"\"entry\":{priority}", fromFile.Out, StringComparison.Ordinal);
        Assert.Contains("\"problem\":\"unreadable\"", fromFile.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_input_is_exit_2_naming_what_is_missing()
    {
        Assert.Equal(SeedCli.BadInput, Run("audit").Code);
        Assert.Contains("--seed", Run("audit", "verify").Err, StringComparison.Ordinal);
        Assert.Contains("--out", Run("audit", "export", "--seed", "127.0.0.1:1").Err, StringComparison.Ordinal);
        Assert.Contains("cannot be read", Run("audit", "verify", "--file", temp.File("missing.jsonl")).Err, StringComparison.Ordinal);
        Assert.Contains("no audit key there", Run("audit", "key", "--data-dir", temp.Path).Err, StringComparison.Ordinal);
        Assert.Contains("neither a key id", Run("audit", "verify", "--file", temp.File("x"), "--trust", "nope").Err, StringComparison.Ordinal);
    }
}
