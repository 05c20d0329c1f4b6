using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.TestKit;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Parameters;
using EdgeTrain.Core.Optimizers;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;
using Microsoft.Data.Sqlite;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static EdgeTrain.Tests.FloatData;

namespace EdgeTrain.Actors.Tests.Parameters;

/// <summary>
/// A shard on a real SQLite file whose node has a storage key: its journal events and snapshots are
/// stored encrypted, it recovers from them bit for bit, skips a record whose tag fails exactly as a
/// damaged one, and on a node with another key recovers nothing and deletes nothing.
/// </summary>
public sealed class ParameterShardEncryptionSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Job = "tiny-1";
    private const int Slice = 3;
    private static readonly string EntityId = ParameterProtocol.EntityId(Job, Slice);
    private static readonly string PersistenceId = "slice-" + EntityId;
    private static readonly ShardOptimizerSpec Nesterov = new(ShardOptimizerKind.Nesterov, LearningRate: 0.05f, Momentum: 0.9f, WeightDecay: 1e-4f);

    private readonly TempFolder folder;
    private readonly string database;
    private readonly StorageKey key;
    private int incarnation;

    public ParameterShardEncryptionSpec()
        : this(new TempFolder())
    {
    }

    private ParameterShardEncryptionSpec(TempFolder folder)
        : base(NodeConfig(folder.File("edgetrain.db"), Keyed(folder.File("a.key"))))
    {
        this.folder = folder;
        database = folder.File("edgetrain.db");
        key = StorageKey.Load(folder.File("a.key"));
    }

    private static string Keyed(string keyFile)
    {
        StorageKey.CreateFile(keyFile);
        return keyFile;
    }

    private static Config NodeConfig(string database, string? keyFile) => ConfigurationFactory.ParseString($"""
        akka.persistence.journal.sql.connection-string = "Data Source={database}"
        akka.persistence.snapshot-store.sql.connection-string = "Data Source={database}"
        edgetrain.storage.key-file = "{keyFile?.Replace("\\", "/", StringComparison.Ordinal) ?? ""}"
        """)
        .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(RepoPaths.Of("hocon", "sqlite.conf"))))
        .WithFallback(EdgeTrainConfig.ReferenceConfig);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            SqliteConnection.ClearAllPools();
            folder.Dispose();
        }
    }

    private IActorRef Shard(ActorSystem? system = null)
    {
        system ??= Sys;
        return system.ActorOf(ParameterShardActor.Props(EntityId, EdgeTrainSettings.Create(system.Settings.Config)), $"shard-{++incarnation}");
    }

    private SliceData Pull(IActorRef shard, TestProbe? probe = null)
    {
        shard.Tell(new PullSlice(Job, Slice, -1), probe?.Ref ?? TestActor);
        return probe is null ? ExpectMsg<SliceData>(TimeSpan.FromSeconds(10)) : probe.ExpectMsg<SliceData>(TimeSpan.FromSeconds(10));
    }

    private void Stop(IActorRef shard)
    {
        Watch(shard);
        shard.Tell(PoisonPill.Instance);
        ExpectTerminated(shard);
        Unwatch(shard);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={database}");
        connection.Open();
        return connection;
    }

    private List<(long SequenceNr, byte[] Bytes)> Rows(string table, string column)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT sequence_number, {column} FROM {table} WHERE persistence_id = $id ORDER BY sequence_number";
        command.Parameters.AddWithValue("$id", PersistenceId);
        using var reader = command.ExecuteReader();
        var rows = new List<(long, byte[])>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), (byte[])reader.GetValue(1)));
        }

        return rows;
    }

    private void Damage(string table, string column, long sequenceNr, int at)
    {
        using var connection = Open();
        using var read = connection.CreateCommand();
        read.CommandText = $"SELECT {column} FROM {table} WHERE persistence_id = $id AND sequence_number = $nr";
        read.Parameters.AddWithValue("$id", PersistenceId);
        read.Parameters.AddWithValue("$nr", sequenceNr);
        var bytes = Assert.IsType<byte[]>(read.ExecuteScalar());
        bytes[at >= 0 ? at : bytes.Length + at] ^= 0x20;

        using var write = connection.CreateCommand();
        write.CommandText = $"UPDATE {table} SET {column} = $bytes WHERE persistence_id = $id AND sequence_number = $nr";
        write.Parameters.AddWithValue("$bytes", bytes);
        write.Parameters.AddWithValue("$id", PersistenceId);
        write.Parameters.AddWithValue("$nr", sequenceNr);
        Assert.Equal(1, write.ExecuteNonQuery());
    }

    /// <summary>7 updates, a snapshot every 2: snapshots at journal sequence numbers 5 and 7 remain, journal 6..8.</summary>
    private SliceData SevenUpdatesWithTwoSnapshots()
    {
        var shard = Shard();
        shard.Tell(new InitSlice(Job, Slice, Ramp(129, 0.5f, -0.01f), Nesterov, 2));
        ExpectMsg<SliceInitialized>(TimeSpan.FromSeconds(10));
        for (var sequence = 1; sequence <= 7; sequence++)
        {
            shard.Tell(new MergedUpdate(Job, Slice, "agg-a", sequence, Raw(Update(129, sequence))));
            Assert.Equal(sequence, ExpectMsg<UpdateAck>(TimeSpan.FromSeconds(10)).Version);
        }

        var before = Pull(shard);
        AwaitAssert(
            () => Assert.Equal([5L, 7L], Rows("snapshot", "snapshot").Select(r => r.SequenceNr)),
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(50));
        Stop(shard);
        return before;
    }

    [Fact]
    public void Journal_events_and_snapshots_are_stored_encrypted_and_the_shard_recovers_from_them_bit_for_bit()
    {
        var before = SevenUpdatesWithTwoSnapshots();

        var records = Rows("journal", "message").Concat(Rows("snapshot", "snapshot")).ToList();
        Assert.NotEmpty(records);
        Assert.All(records, r =>
        {
            Assert.Equal(3, r.Bytes[0]);
            Assert.Equal(key.Id, EncryptedBlob.KeyIdOf(r.Bytes.AsSpan(1)));
        });

        var restarted = Shard();
        var after = Pull(restarted);

        Assert.Equal(7, after.Version);
        AssertBitwiseEqual(before.Values, after.Values);
    }

    [Fact]
    public void An_encrypted_snapshot_whose_tag_fails_falls_back_to_the_one_before_as_a_damaged_one_does()
    {
        var before = SevenUpdatesWithTwoSnapshots();
        Damage("snapshot", "snapshot", 7, at: 600);

        IActorRef restarted = null!;
        SliceData after = null!;
        EventFilter.Error(contains: $"snapshot 7 of {PersistenceId} is corrupt").ExpectOne(
            TimeSpan.FromSeconds(10),
            () =>
            {
                restarted = Shard();
                after = Pull(restarted);
            });

        Assert.Equal(7, after.Version);
        AssertBitwiseEqual(before.Values, after.Values);
        AwaitAssert(() => Assert.Equal([5L], Rows("snapshot", "snapshot").Select(r => r.SequenceNr)), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void An_encrypted_journal_event_whose_tag_fails_is_skipped_as_a_damaged_one_is()
    {
        var initial = Ramp(37, -1, 0.05f);
        var updates = Enumerable.Range(1, 4).Select(i => Update(37, i)).ToArray();
        var shard = Shard();
        shard.Tell(new InitSlice(Job, Slice, initial, Nesterov, 1_000));
        ExpectMsg<SliceInitialized>(TimeSpan.FromSeconds(10));
        for (var sequence = 1; sequence <= 4; sequence++)
        {
            shard.Tell(new MergedUpdate(Job, Slice, "agg-a", sequence, Raw(updates[sequence - 1])));
            ExpectMsg<UpdateAck>(TimeSpan.FromSeconds(10));
        }

        Stop(shard);
        Damage("journal", "message", 3, at: -3); // update 2, in its ciphertext

        IActorRef restarted = null!;
        SliceData after = null!;
        EventFilter.Error(contains: $"journal event 3 of {PersistenceId} is corrupt and is skipped").ExpectOne(
            TimeSpan.FromSeconds(10),
            () =>
            {
                restarted = Shard();
                after = Pull(restarted);
            });

        var expected = new SliceState(initial.ToArray(), Nesterov);
        foreach (var sequence in new[] { 1, 3, 4 })
        {
            expected.Apply("agg-a", sequence, updates[sequence - 1]);
        }

        Assert.Equal(3, after.Version);
        AssertBitwiseEqual(expected.Values, after.Values);
    }

    [Fact]
    public void On_a_node_with_another_key_the_slice_recovers_nothing_deletes_nothing_and_names_both_keys_and_recovers_on_the_right_node()
    {
        var before = SevenUpdatesWithTwoSnapshots();
        var journal = Rows("journal", "message");
        var snapshots = Rows("snapshot", "snapshot");
        var otherKeyFile = folder.File("b.key");
        var other = StorageKey.CreateFile(otherKeyFile);

        using (var wrongNode = ActorSystem.Create("wrong-key", NodeConfig(database, otherKeyFile)))
        {
            var logs = CreateTestProbe(wrongNode);
            var replies = CreateTestProbe(wrongNode);
            wrongNode.EventStream.Subscribe(logs.Ref, typeof(Error));
            var shard = Shard(wrongNode);
            shard.Tell(new PullSlice(Job, Slice, -1), replies.Ref);

            var logged = logs.FishForMessage<Error>(e => e.Message.ToString()!.Contains("encrypted with a storage key this node does not have", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            var text = logged.Message.ToString()!;
            Assert.Contains($"snapshot 7 of {PersistenceId}", text, StringComparison.Ordinal);
            Assert.Contains($"encrypted with storage key {key.Id}, and this node's key is {other.Id}", text, StringComparison.Ordinal);
            replies.ExpectMsg(new SliceNotReady(Job, Slice), TimeSpan.FromSeconds(10));

            shard.Tell(new InitSlice(Job, Slice, Ramp(129, 0, 1), Nesterov, 2), replies.Ref);
            Assert.Contains("give the node the cluster's storage key file", replies.ExpectMsg<SliceInitRefused>(TimeSpan.FromSeconds(10)).Reason, StringComparison.Ordinal);
            shard.Tell(new MergedUpdate(Job, Slice, "agg-a", 8, Raw(Update(129, 8))), replies.Ref);
            replies.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
            Shutdown(wrongNode, TimeSpan.FromSeconds(10));
        }

        // nothing was written or deleted
        Assert.Equal(journal.Select(r => (r.SequenceNr, Convert.ToBase64String(r.Bytes))), Rows("journal", "message").Select(r => (r.SequenceNr, Convert.ToBase64String(r.Bytes))));
        Assert.Equal(snapshots.Select(r => (r.SequenceNr, Convert.ToBase64String(r.Bytes))), Rows("snapshot", "snapshot").Select(r => (r.SequenceNr, Convert.ToBase64String(r.Bytes))));

        // the node with the right key recovers it as it was
        var recovered = Pull(Shard());
        Assert.Equal(7, recovered.Version);
        AssertBitwiseEqual(before.Values, recovered.Values);
    }
}
