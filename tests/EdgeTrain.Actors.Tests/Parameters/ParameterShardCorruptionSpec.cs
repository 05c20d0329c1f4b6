using Akka.Actor;
using Akka.Configuration;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Parameters;
using EdgeTrain.Core.Optimizers;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Tests;
using Microsoft.Data.Sqlite;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static EdgeTrain.Tests.FloatData;

namespace EdgeTrain.Actors.Tests.Parameters;

/// <summary>
/// A shard on a real SQLite file (Akka.Persistence.Sql, as the nodes run it) whose stored bytes are
/// damaged behind its back: damaged snapshots fall back to the one before plus the journal, damaged
/// journal events are skipped, and nothing damaged is ever loaded.
/// </summary>
public sealed class ParameterShardCorruptionSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Job = "tiny-1";
    private const int Slice = 3;
    private static readonly string EntityId = ParameterProtocol.EntityId(Job, Slice);
    private static readonly string PersistenceId = "slice-" + EntityId;
    private static readonly ShardOptimizerSpec Nesterov = new(ShardOptimizerKind.Nesterov, LearningRate: 0.05f, Momentum: 0.9f, WeightDecay: 1e-4f);

    private readonly TempFolder folder;
    private readonly string database;
    private int incarnation;

    public ParameterShardCorruptionSpec()
        : this(new TempFolder())
    {
    }

    private ParameterShardCorruptionSpec(TempFolder folder)
        : base(SqliteConfig(folder.File("edgetrain.db")))
    {
        this.folder = folder;
        database = folder.File("edgetrain.db");
    }

    private static Config SqliteConfig(string database) => ConfigurationFactory.ParseString($"""
        akka.persistence.journal.sql.connection-string = "Data Source={database}"
        akka.persistence.snapshot-store.sql.connection-string = "Data Source={database}"
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

    private IActorRef Shard() => Sys.ActorOf(ParameterShardActor.Props(EntityId, EdgeTrainSettings.Create(Sys.Settings.Config)), $"shard-{++incarnation}");

    private IActorRef Initialized(float[] values, int snapshotEvery)
    {
        var shard = Shard();
        shard.Tell(new InitSlice(Job, Slice, values, Nesterov, snapshotEvery));
        ExpectMsg<SliceInitialized>(TimeSpan.FromSeconds(10));
        return shard;
    }

    private SliceData Pull(IActorRef shard)
    {
        shard.Tell(new PullSlice(Job, Slice, -1));
        return ExpectMsg<SliceData>(TimeSpan.FromSeconds(10));
    }

    private long Send(IActorRef shard, string aggregator, long sequence, float[] payload)
    {
        shard.Tell(new MergedUpdate(Job, Slice, aggregator, sequence, FloatData.Raw(payload)));
        return ExpectMsg<UpdateAck>(TimeSpan.FromSeconds(10)).Version;
    }

    private ShardInfo Info(IActorRef shard)
    {
        shard.Tell(new GetShardInfo(Job, Slice));
        return ExpectMsg<ShardInfo>(TimeSpan.FromSeconds(10));
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

    private long[] SnapshotSequenceNrs()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence_number FROM snapshot WHERE persistence_id = $id ORDER BY sequence_number";
        command.Parameters.AddWithValue("$id", PersistenceId);
        using var reader = command.ExecuteReader();
        var found = new List<long>();
        while (reader.Read())
        {
            found.Add(reader.GetInt64(0));
        }

        return [.. found];
    }

    private long FirstJournalSequenceNr()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(sequence_number) FROM journal WHERE persistence_id = $id AND deleted = 0";
        command.Parameters.AddWithValue("$id", PersistenceId);
        return command.ExecuteScalar() is long first ? first : 0;
    }

    /// <summary>Flips one byte (<paramref name="at"/> from the start, or from the end when negative) of a stored record.</summary>
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

    /// <summary>7 updates, a snapshot every 2: snapshots at journal sequence numbers 5 (version 4) and 7 (version 6) remain.</summary>
    private SliceData SevenUpdatesWithTwoSnapshots()
    {
        var shard = Initialized(Ramp(129, 0.5f, -0.01f), snapshotEvery: 2);
        for (var sequence = 1; sequence <= 7; sequence++)
        {
            Assert.Equal(sequence, Send(shard, sequence % 3 == 0 ? "agg-b" : "agg-a", sequence, Update(129, sequence)));
        }

        var before = Pull(shard);
        Assert.Equal(7, before.Version);
        AwaitAssert(
            () =>
            {
                Assert.Equal([5L, 7L], SnapshotSequenceNrs());
                Assert.Equal(6, FirstJournalSequenceNr()); // the journal up to the older snapshot is trimmed
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(50));
        Stop(shard);
        return before;
    }

    [Fact]
    public void A_corrupt_newest_snapshot_is_skipped_for_the_one_before_and_the_journal_with_the_same_bits()
    {
        var before = SevenUpdatesWithTwoSnapshots();
        Damage("snapshot", "snapshot", 7, at: 600); // a float of the values

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
        var info = Info(restarted);
        Assert.Equal(1, info.Corrupt);
        Assert.Equal(7, info.Version);

        // the damaged snapshot is gone, and the shard goes on exactly as before
        AwaitAssert(() => Assert.Equal([5L], SnapshotSequenceNrs()), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Assert.Equal(8, Send(restarted, "agg-a", 8, Update(129, 8)));
        var eight = Pull(restarted);
        Stop(restarted);

        var again = Shard();
        var afterAgain = Pull(again);
        Assert.Equal(8, afterAgain.Version);
        AssertBitwiseEqual(eight.Values, afterAgain.Values);
        Assert.Equal(0, Info(again).Corrupt);
    }

    /// <summary>Stores a copy of snapshot <paramref name="from"/> (damaged or not) as snapshot <paramref name="to"/>.</summary>
    private void CopySnapshot(long from, long to)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TEMP TABLE copied AS SELECT * FROM snapshot WHERE persistence_id = $id AND sequence_number = $from;
            UPDATE copied SET sequence_number = $to;
            INSERT INTO snapshot SELECT * FROM copied;
            DROP TABLE copied;
            """;
        command.Parameters.AddWithValue("$id", PersistenceId);
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        command.ExecuteNonQuery();
    }

    [Fact]
    public void Two_corrupt_snapshots_in_a_row_fall_back_to_the_one_before_both_and_commands_sent_meanwhile_are_all_answered()
    {
        var before = SevenUpdatesWithTwoSnapshots();
        Damage("snapshot", "snapshot", 7, at: 600);
        CopySnapshot(7, 8); // a newer damaged snapshot on top: the journal holds 6..8 after snapshot 5
        Assert.Equal([5L, 7L, 8L], SnapshotSequenceNrs());

        IActorRef restarted = null!;
        SliceData after = null!;
        long acknowledged = 0;
        SliceData eight = null!;
        EventFilter.Error(contains: $"snapshot 8 of {PersistenceId} is corrupt").ExpectOne(
            TimeSpan.FromSeconds(10),
            () => EventFilter.Error(contains: $"snapshot 7 of {PersistenceId} is corrupt").ExpectOne(
                TimeSpan.FromSeconds(10),
                () =>
                {
                    // sent at once, while the shard recovers, falls back twice and recovers again
                    restarted = Shard();
                    restarted.Tell(new PullSlice(Job, Slice, -1));
                    restarted.Tell(new MergedUpdate(Job, Slice, "agg-a", 8, FloatData.Raw(Update(129, 8))));
                    restarted.Tell(new PullSlice(Job, Slice, -1));
                    after = ExpectMsg<SliceData>(TimeSpan.FromSeconds(10));

                    // the update is applied at once and acknowledged once it is durable: the second pull may come first
                    var answers = ReceiveN(2, TimeSpan.FromSeconds(10));
                    acknowledged = Assert.Single(answers.OfType<UpdateAck>()).Version;
                    eight = Assert.Single(answers.OfType<SliceData>());
                }));

        Assert.Equal(7, after.Version);
        AssertBitwiseEqual(before.Values, after.Values);
        Assert.Equal(8, acknowledged);
        Assert.Equal(8, eight.Version);
        var info = Info(restarted);
        Assert.Equal(2, info.Corrupt);
        Assert.Equal(8, info.Version);

        // both damaged snapshots are gone; version 8 took a snapshot at journal sequence number 9
        AwaitAssert(() => Assert.Equal([5L, 9L], SnapshotSequenceNrs()), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Stop(restarted);

        var again = Shard();
        var afterAgain = Pull(again);
        Assert.Equal(8, afterAgain.Version);
        AssertBitwiseEqual(eight.Values, afterAgain.Values);
        Assert.Equal(0, Info(again).Corrupt);
    }

    [Fact]
    public void A_corrupt_only_snapshot_falls_back_to_the_whole_journal()
    {
        // a snapshot every 3: the only one is at journal sequence number 4 (version 3), nothing is trimmed
        var shard = Initialized(Ramp(129, 0.5f, -0.01f), snapshotEvery: 3);
        for (var sequence = 1; sequence <= 4; sequence++)
        {
            Send(shard, "agg-a", sequence, Update(129, sequence));
        }

        var before = Pull(shard);
        AwaitAssert(() => Assert.Equal([4L], SnapshotSequenceNrs()), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Stop(shard);
        Assert.Equal(1, FirstJournalSequenceNr());
        Damage("snapshot", "snapshot", 4, at: 600);

        var restarted = Shard();
        var after = Pull(restarted);

        Assert.Equal(4, after.Version);
        AssertBitwiseEqual(before.Values, after.Values);
        Assert.Equal(1, Info(restarted).Corrupt);
        AwaitAssert(() => Assert.Empty(SnapshotSequenceNrs()), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_damaged_checksum_counts_as_a_corrupt_snapshot()
    {
        var before = SevenUpdatesWithTwoSnapshots();
        Damage("snapshot", "snapshot", 7, at: -1);

        var restarted = Shard();
        var after = Pull(restarted);

        Assert.Equal(7, after.Version);
        AssertBitwiseEqual(before.Values, after.Values);
        Assert.Equal(1, Info(restarted).Corrupt);
    }

    [Fact]
    public void With_both_snapshots_corrupt_and_the_journal_trimmed_the_slice_is_reported_lost_and_not_invented()
    {
        SevenUpdatesWithTwoSnapshots();
        Damage("snapshot", "snapshot", 7, at: 40);
        Damage("snapshot", "snapshot", 5, at: 40);

        var restarted = Shard();
        Watch(restarted);
        restarted.Tell(new PullSlice(Job, Slice, -1));
        ExpectMsg(new SliceNotReady(Job, Slice), TimeSpan.FromSeconds(10));

        // it stays up, keeps no values and refuses to be created again with new ones
        restarted.Tell(new InitSlice(Job, Slice, Ramp(129, 0, 1), Nesterov, 2));
        var refused = ExpectMsg<SliceInitRefused>();
        Assert.Contains("cannot be recovered", refused.Reason, StringComparison.Ordinal);
        var info = Info(restarted);
        Assert.Equal(-1, info.Version);
        Assert.Equal(2, info.Corrupt);
        Unwatch(restarted);
        Assert.Empty(SnapshotSequenceNrs());
    }

    [Fact]
    public void A_corrupt_journal_event_is_logged_and_skipped_and_the_rest_applied()
    {
        var initial = Ramp(37, -1, 0.05f);
        var updates = Enumerable.Range(1, 5).Select(i => Update(37, i)).ToArray();
        var shard = Initialized(initial, snapshotEvery: 1_000);
        for (var sequence = 1; sequence <= 5; sequence++)
        {
            Send(shard, "agg-a", sequence, updates[sequence - 1]);
        }

        Stop(shard);

        // journal: 1 = the slice created, 2..6 = updates 1..5; damage update 3 in its floats
        Damage("journal", "message", 4, at: -10);

        IActorRef restarted = null!;
        SliceData after = null!;
        EventFilter.Error(contains: $"journal event 4 of {PersistenceId} is corrupt").ExpectOne(
            TimeSpan.FromSeconds(10),
            () =>
            {
                restarted = Shard();
                after = Pull(restarted);
            });

        var expected = new SliceState(initial.ToArray(), Nesterov);
        foreach (var sequence in new[] { 1, 2, 4, 5 })
        {
            expected.Apply("agg-a", sequence, updates[sequence - 1]);
        }

        Assert.Equal(4, after.Version);
        AssertBitwiseEqual(expected.Values, after.Values);
        var info = Info(restarted);
        Assert.Equal(1, info.Corrupt);
        Assert.Equal(4, info.Applied);

        // it stays up and takes new updates
        Assert.Equal(5, Send(restarted, "agg-a", 6, Update(37, 6)));
    }

    [Fact]
    public void A_corrupt_creation_event_without_a_snapshot_leaves_the_slice_unrecoverable_without_a_crash_loop()
    {
        var shard = Initialized(Ramp(16, 1, 1), snapshotEvery: 1_000);
        Send(shard, "agg-a", 1, Update(16, 1));
        Stop(shard);
        Damage("journal", "message", 1, at: 12);

        IActorRef restarted = null!;
        EventFilter.Error(contains: $"journal event 1 of {PersistenceId} is corrupt").ExpectOne(
            TimeSpan.FromSeconds(10),
            () =>
            {
                restarted = Shard();
                restarted.Tell(new PullSlice(Job, Slice, -1));
                ExpectMsg(new SliceNotReady(Job, Slice), TimeSpan.FromSeconds(10));
            });

        Watch(restarted);
        restarted.Tell(new InitSlice(Job, Slice, Ramp(16, 1, 1), Nesterov, 1_000));
        Assert.Equal(Slice, ExpectMsg<SliceInitRefused>().Slice);
        restarted.Tell(new MergedUpdate(Job, Slice, "agg-a", 2, FloatData.Raw(Update(16, 2))));
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        restarted.Tell(new PullSlice(Job, Slice, -1));
        ExpectMsg(new SliceNotReady(Job, Slice));
        var info = Info(restarted);
        Assert.Equal(-1, info.Version);
        Assert.Equal(1, info.Corrupt);
        Assert.Equal(0, info.Applied);
    }
}
