using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Parameters;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Optimizers;
using EdgeTrain.Tests;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static EdgeTrain.Actors.Parameters.ShardEvents;
using static EdgeTrain.Tests.FloatData;

namespace EdgeTrain.Actors.Tests.Parameters;

public sealed class ParameterShardActorSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Job = "tiny-1";
    private const int Slice = 3;
    private static readonly string EntityId = ParameterProtocol.EntityId(Job, Slice);
    private static readonly ShardOptimizerSpec Sgd = new(ShardOptimizerKind.Sgd, LearningRate: 0.5f);
    private static readonly ShardOptimizerSpec Nesterov = new(ShardOptimizerKind.Nesterov, LearningRate: 0.05f, Momentum: 0.9f, WeightDecay: 1e-4f);

    private static readonly Config InMemoryPersistence = ConfigurationFactory.ParseString("""
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """).WithFallback(EdgeTrainConfig.ReferenceConfig);

    private int incarnation;

    public ParameterShardActorSpec()
        : base(InMemoryPersistence)
    {
    }

    private IActorRef Shard() => Sys.ActorOf(ParameterShardActor.Props(EntityId, EdgeTrainSettings.Create(Sys.Settings.Config)), $"shard-{++incarnation}");

    private IActorRef Initialized(float[] values, ShardOptimizerSpec? optimizer = null, int snapshotEvery = 1_000)
    {
        var shard = Shard();
        shard.Tell(new InitSlice(Job, Slice, values, optimizer ?? Sgd, snapshotEvery));
        var initialized = ExpectMsg<SliceInitialized>();
        Assert.Equal(0, initialized.Version);
        return shard;
    }

    private SliceData Pull(IActorRef shard)
    {
        shard.Tell(new PullSlice(Job, Slice, -1));
        var data = ExpectMsg<SliceData>();
        Assert.Equal(Job, data.JobId);
        Assert.Equal(Slice, data.Slice);
        return data;
    }

    private UpdateAck Send(IActorRef shard, string aggregator, long sequence, float[] payload)
    {
        shard.Tell(new MergedUpdate(Job, Slice, aggregator, sequence, FloatData.Raw(payload)));
        var ack = ExpectMsg<UpdateAck>();
        Assert.Equal(Job, ack.JobId);
        Assert.Equal(Slice, ack.Slice);
        Assert.Equal(aggregator, ack.AggregatorId);
        Assert.Equal(sequence, ack.Sequence);
        return ack;
    }

    private ShardInfo Info(IActorRef shard)
    {
        shard.Tell(new GetShardInfo(Job, Slice));
        return ExpectMsg<ShardInfo>();
    }

    private void Stop(IActorRef shard)
    {
        Watch(shard);
        shard.Tell(PoisonPill.Instance);
        ExpectTerminated(shard);
        Unwatch(shard);
    }

    [Fact]
    public void A_pull_before_the_slice_exists_is_answered_not_ready()
    {
        var shard = Shard();

        shard.Tell(new PullSlice(Job, Slice, -1));

        ExpectMsg(new SliceNotReady(Job, Slice));
        Assert.Equal(-1, Info(shard).Version);
    }

    [Fact]
    public void An_update_before_the_slice_exists_is_not_acknowledged()
    {
        var shard = Shard();

        shard.Tell(new MergedUpdate(Job, Slice, "agg-a", 1, FloatData.Raw([1f])));

        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(0, Info(shard).Rejected);
    }

    [Fact]
    public void Init_creates_the_slice_at_version_zero()
    {
        var shard = Shard();

        shard.Tell(new InitSlice(Job, Slice, [1f, 2f, 3f, 4f], Sgd, 10));

        ExpectMsg(new SliceInitialized(Job, Slice, 0));
        var info = Info(shard);
        Assert.Equal(0, info.Version);
        Assert.Equal(4, info.Length);
        Assert.Equal(0, info.Applied);
        Assert.Equal(0, info.Rejected);
    }

    [Fact]
    public void A_second_init_keeps_the_first_values()
    {
        var shard = Initialized([1f, 2f, 3f, 4f]);

        shard.Tell(new InitSlice(Job, Slice, [9f, 9f, 9f], Nesterov, 2));

        ExpectMsg(new SliceInitialized(Job, Slice, 0));
        Assert.Equal([1f, 2f, 3f, 4f], Pull(shard).Values);
    }

    [Fact]
    public void A_second_init_after_updates_reports_the_current_version()
    {
        var shard = Initialized([1f, 2f, 3f, 4f]);
        Send(shard, "agg-a", 1, [2f, 2f, 2f, 2f]);

        shard.Tell(new InitSlice(Job, Slice, [1f, 2f, 3f, 4f], Sgd, 1_000));

        ExpectMsg(new SliceInitialized(Job, Slice, 1));
    }

    [Fact]
    public void A_pull_without_a_copy_gets_the_values()
    {
        var shard = Initialized([1f, -2f, 3.5f, 0f]);

        var data = Pull(shard);

        Assert.Equal(0, data.Version);
        Assert.Equal([1f, -2f, 3.5f, 0f], data.Values);
    }

    [Fact]
    public void A_pull_at_the_current_version_is_answered_unchanged()
    {
        var shard = Initialized([1f, 2f, 3f, 4f]);

        shard.Tell(new PullSlice(Job, Slice, 0));
        ExpectMsg(new SliceUnchanged(Job, Slice, 0));

        Send(shard, "agg-a", 1, [2f, 2f, 2f, 2f]);
        shard.Tell(new PullSlice(Job, Slice, 0));
        Assert.Equal(1, ExpectMsg<SliceData>().Version);
        shard.Tell(new PullSlice(Job, Slice, 1));
        ExpectMsg(new SliceUnchanged(Job, Slice, 1));
    }

    [Fact]
    public void The_pulled_values_are_a_copy_that_later_updates_do_not_change()
    {
        var shard = Initialized([1f, 2f, 3f, 4f]);
        var before = Pull(shard);

        Send(shard, "agg-a", 1, [2f, 2f, 2f, 2f]);

        Assert.Equal([1f, 2f, 3f, 4f], before.Values);
    }

    [Fact]
    public void A_merged_update_applies_the_optimizer_and_is_acknowledged_with_the_new_version()
    {
        var shard = Initialized([1f, 2f, 3f, 4f]);

        var ack = Send(shard, "agg-a", 1, [2f, 2f, 4f, -2f]);

        Assert.Equal(1, ack.Version);
        var data = Pull(shard);
        Assert.Equal(1, data.Version);
        // SGD, learning rate 0.5: values − 0.5 × update
        Assert.Equal([0f, 1f, 1f, 5f], data.Values);
        var info = Info(shard);
        Assert.Equal(1, info.Applied);
        Assert.True(info.LastUpdateUtc > DateTime.UtcNow.AddMinutes(-1));
    }

    [Fact]
    public void A_duplicate_update_is_acknowledged_without_being_applied_again()
    {
        var shard = Initialized([1f, 2f, 3f, 4f]);
        Send(shard, "agg-a", 1, [2f, 2f, 2f, 2f]);

        var again = Send(shard, "agg-a", 1, [2f, 2f, 2f, 2f]);

        Assert.Equal(1, again.Version);
        var data = Pull(shard);
        Assert.Equal(1, data.Version);
        Assert.Equal([0f, 1f, 2f, 3f], data.Values);
        Assert.Equal(1, Info(shard).Applied);
    }

    [Fact]
    public void Sequence_numbers_of_two_aggregators_are_independent()
    {
        var shard = Initialized([1f, 2f, 3f, 4f]);

        Assert.Equal(1, Send(shard, "agg-a", 1, [2f, 2f, 2f, 2f]).Version);
        Assert.Equal(2, Send(shard, "agg-b", 1, [2f, 2f, 2f, 2f]).Version);
        Assert.Equal(2, Send(shard, "agg-a", 1, [2f, 2f, 2f, 2f]).Version);

        Assert.Equal([-1f, 0f, 1f, 2f], Pull(shard).Values);
    }

    [Fact]
    public void A_malformed_update_is_rejected_with_a_reason_and_counted()
    {
        var shard = Initialized([1f, 2f, 3f, 4f]);

        shard.Tell(new MergedUpdate(Job, Slice, "agg-a", 1, FloatData.Raw([1f, 1f, 1f])));
        var wrongLength = ExpectMsg<UpdateRejected>();
        shard.Tell(new MergedUpdate(Job, Slice, "agg-a", 2, FloatData.Raw([1f, float.NaN, 1f, 1f])));
        var nan = ExpectMsg<UpdateRejected>();
        shard.Tell(new MergedUpdate(Job, Slice, "agg-a", 3, FloatData.Raw([1f, 1f, 1f, float.PositiveInfinity])));
        var infinity = ExpectMsg<UpdateRejected>();

        Assert.Equal(new UpdateRejected(Job, Slice, "agg-a", 1, "merged update 1 of agg-a: None payload: header says 3 elements; the destination holds 4"), wrongLength);
        Assert.Equal(2, nan.Sequence);
        Assert.EndsWith("value 1 is NaN; expected finite numbers", nan.Reason, StringComparison.Ordinal);
        Assert.Equal(3, infinity.Sequence);
        Assert.Contains("value 3 is ", infinity.Reason, StringComparison.Ordinal);
        var info = Info(shard);
        Assert.Equal(3, info.Rejected);
        Assert.Equal(0, info.Applied);
        Assert.Equal(0, info.Version);
        Assert.Equal([1f, 2f, 3f, 4f], Pull(shard).Values);
    }

    [Fact]
    public void A_rejected_sequence_number_can_still_be_applied_later_with_a_good_payload()
    {
        var shard = Initialized([1f, 2f, 3f, 4f]);
        shard.Tell(new MergedUpdate(Job, Slice, "agg-a", 1, FloatData.Raw([float.NaN, 0f, 0f, 0f])));
        ExpectMsg<UpdateRejected>();

        Assert.Equal(1, Send(shard, "agg-a", 1, [2f, 2f, 2f, 2f]).Version);
    }

    [Fact]
    public void A_restarted_shard_recovers_the_same_bits_from_the_journal()
    {
        var shard = Initialized(Ramp(37, -1, 0.05f), Nesterov, snapshotEvery: 1_000);
        for (var sequence = 1; sequence <= 5; sequence++)
        {
            Send(shard, "agg-a", sequence, Update(37, sequence));
        }

        Send(shard, "agg-b", 1, Update(37, 10));
        var before = Pull(shard);
        Assert.Equal(6, before.Version);
        Stop(shard);

        var restarted = Shard();
        var after = Pull(restarted);

        Assert.Equal(6, after.Version);
        AssertBitwiseEqual(before.Values, after.Values);
        Assert.Equal(6, Info(restarted).Applied);
    }

    [Fact]
    public void Encoded_updates_are_applied_as_they_decode_and_journaled_encoded()
    {
        var shard = Initialized([1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f]);
        var topK = TensorCodecs.For(new CodecSpec(CodecKind.TopKInt8, TopKFraction: 0.25)).Encode([0f, 4f, 0f, 0f, -4f, 0f, 0.1f, 0f]);
        var int8 = TensorCodecs.For(new CodecSpec(CodecKind.Int8, BlockSize: 4)).Encode([2f, 2f, 2f, 2f, 0f, 0f, 0f, 0f]);

        shard.Tell(new MergedUpdate(Job, Slice, "agg-a", 1, topK));
        ExpectMsg<UpdateAck>();
        shard.Tell(new MergedUpdate(Job, Slice, "agg-a", 2, int8));
        ExpectMsg<UpdateAck>();
        var before = Pull(shard);
        Stop(shard);
        var after = Pull(Shard());

        // SGD at 0.5: 1 − 0.5·[0, 4, 0, 0, −4, 0, 0, 0] − 0.5·[2, 2, 2, 2, 0, 0, 0, 0] (0.1 is not in the top 25%)
        Assert.Equal([0f, -2f, 0f, 0f, 3f, 1f, 1f, 1f], before.Values);
        AssertBitwiseEqual(before.Values, after.Values);
        Assert.Equal(2, after.Version);
    }

    [Fact]
    public void An_asker_a_few_versions_behind_gets_only_the_changed_positions()
    {
        var values = Ramp(64, 0, 1);
        var shard = Initialized(values);
        var update = new float[64];
        update[5] = 2f;
        Send(shard, "agg-a", 1, update);
        update[5] = 0f;
        update[40] = -2f;
        Send(shard, "agg-a", 2, update);

        shard.Tell(new PullSlice(Job, Slice, 0));
        var changes = ExpectMsg<SliceChanges>();
        SparseValues.ScatterInto(changes.Payload, values, "test");

        Assert.Equal((0L, 2L), (changes.FromVersion, changes.Version));
        AssertBitwiseEqual(Pull(shard).Values, values);
        Assert.True(changes.Payload.Length < 30, $"{changes.Payload.Length} bytes");
        shard.Tell(new PullSlice(Job, Slice, 1));
        Assert.Equal(1L, ExpectMsg<SliceChanges>().FromVersion);
    }

    [Fact]
    public void A_top_k_update_with_a_bad_index_is_rejected_with_the_reason_and_never_applied()
    {
        var shard = Initialized([1f, 1f, 1f, 1f]);
        var payload = TensorCodecs.For(new CodecSpec(CodecKind.TopK, TopKFraction: 0.25)).Encode([0f, 0f, 0f, 3f]);
        payload[9] = 9; // the only index: 9 of 4

        shard.Tell(new MergedUpdate(Job, Slice, "agg-a", 1, payload));

        var rejected = ExpectMsg<UpdateRejected>();
        Assert.Contains("index 9 of entry 0 is out of range for 4 elements", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal([1f, 1f, 1f, 1f], Pull(shard).Values);
        Assert.Equal(1, Info(shard).Rejected);
    }

    [Fact]
    public void A_restarted_shard_recovers_the_same_bits_from_a_snapshot_and_the_journal()
    {
        var shard = Initialized(Ramp(129, 0.5f, -0.01f), Nesterov, snapshotEvery: 2);
        for (var sequence = 1; sequence <= 7; sequence++)
        {
            Send(shard, sequence % 3 == 0 ? "agg-b" : "agg-a", sequence, Update(129, sequence));
        }

        var before = Pull(shard);
        Assert.Equal(7, before.Version);

        // the newest snapshot is at version 6, and the journal before the one at version 4 is gone
        var persistenceId = "slice-" + EntityId;
        AwaitAssert(
            () =>
            {
                var snapshot = LatestSnapshot(persistenceId);
                Assert.NotNull(snapshot);
                Assert.Equal(6, Assert.IsType<SliceSnapshot>(snapshot.Snapshot).Version);
                Assert.True(FirstJournalSequenceNr(persistenceId) > 1);
            },
            TimeSpan.FromSeconds(5),
            TimeSpan.FromMilliseconds(50));
        Stop(shard);

        var restarted = Shard();
        var after = Pull(restarted);

        Assert.Equal(7, after.Version);
        AssertBitwiseEqual(before.Values, after.Values);

        // and it goes on exactly as the first incarnation would have
        var update = Update(129, 99);
        Assert.Equal(8, Send(restarted, "agg-a", 8, update).Version);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(2)]
    public void An_update_redelivered_after_a_restart_is_a_duplicate(int snapshotEvery)
    {
        var shard = Initialized([1f, 2f, 3f, 4f], Sgd, snapshotEvery);
        var updates = Enumerable.Range(1, 4).Select(i => Update(4, i)).ToArray();
        for (var sequence = 1; sequence <= 4; sequence++)
        {
            Send(shard, "agg-a", sequence, updates[sequence - 1]);
        }

        var before = Pull(shard);
        Stop(shard);

        var restarted = Shard();
        for (var sequence = 1; sequence <= 4; sequence++)
        {
            Assert.Equal(4, Send(restarted, "agg-a", sequence, updates[sequence - 1]).Version);
        }

        var after = Pull(restarted);
        Assert.Equal(4, after.Version);
        AssertBitwiseEqual(before.Values, after.Values);
    }

    [Fact]
    public void A_shard_that_was_never_initialised_recovers_empty()
    {
        var shard = Shard();
        shard.Tell(new PullSlice(Job, Slice, -1));
        ExpectMsg<SliceNotReady>();
        Stop(shard);

        var restarted = Shard();
        restarted.Tell(new PullSlice(Job, Slice, -1));

        ExpectMsg<SliceNotReady>();
    }

    private SliceRestored Restore(IActorRef shard, long checkpoint, float[] values)
    {
        shard.Tell(new RestoreSlice(Job, Slice, checkpoint, values));
        var restored = ExpectMsg<SliceRestored>();
        Assert.Equal((Job, Slice, checkpoint), (restored.JobId, restored.Slice, restored.CheckpointId));
        return restored;
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(3)]
    public void A_restored_slice_survives_a_restart_bit_for_bit(int snapshotEvery)
    {
        var shard = Initialized(Ramp(61, -2, 0.07f), Nesterov, snapshotEvery);
        Send(shard, "agg-a", 1, Update(61, 1));
        Send(shard, "agg-a", 2, Update(61, 2));
        var saved = Pull(shard);
        Send(shard, "agg-a", 3, Update(61, 3));
        Send(shard, "agg-b", 1, Update(61, 4));

        var restored = Restore(shard, 1, saved.Values);

        Assert.Equal(5, restored.Version);
        var pulled = Pull(shard);
        Assert.Equal(5, pulled.Version);
        AssertBitwiseEqual(saved.Values, pulled.Values);

        // one more update after the rollback, then a restart: the journal (and snapshots) give the same bits
        Send(shard, "agg-a", 4, Update(61, 5));
        var before = Pull(shard);
        Stop(shard);

        var restarted = Shard();
        var after = Pull(restarted);
        Assert.Equal(6, after.Version);
        AssertBitwiseEqual(before.Values, after.Values);

        // sequence numbers applied before the rollback are still known: a redelivery is a duplicate
        Assert.Equal(6, Send(restarted, "agg-a", 3, Update(61, 3)).Version);
    }

    [Fact]
    public void A_restored_slice_that_restarts_right_away_pulls_the_checkpoint_values()
    {
        var shard = Initialized(Ramp(17, 1, 0.5f), Sgd);
        var saved = Pull(shard);
        Send(shard, "agg-a", 1, Update(17, 1));
        Restore(shard, 4, saved.Values);
        Stop(shard);

        var after = Pull(Shard());

        Assert.Equal(2, after.Version);
        AssertBitwiseEqual(saved.Values, after.Values);
    }

    [Fact]
    public void After_a_restore_the_optimizer_starts_afresh()
    {
        var adam = new ShardOptimizerSpec(ShardOptimizerKind.Adam, LearningRate: 0.01f);
        var start = Ramp(23, 0.1f, 0.02f);
        var shard = Initialized(start.ToArray(), adam);
        Send(shard, "agg-a", 1, Update(23, 1));
        Send(shard, "agg-a", 2, Update(23, 2));
        Restore(shard, 1, start);
        Send(shard, "agg-a", 3, Update(23, 3));

        var fresh = new Core.Parameters.SliceState(start.ToArray(), adam);
        fresh.Apply("agg-z", 1, Update(23, 3));

        AssertBitwiseEqual(fresh.Values, Pull(shard).Values);
    }

    [Fact]
    public void A_restore_that_does_not_fit_is_refused_and_changes_nothing()
    {
        var shard = Initialized(Ramp(8, 0, 1), Sgd);
        var before = Pull(shard);

        shard.Tell(new RestoreSlice(Job, Slice, 1, new float[7]));
        Assert.Contains("7 floats; the slice has 8", ExpectMsg<RestoreRefused>().Reason, StringComparison.Ordinal);
        shard.Tell(new RestoreSlice(Job, Slice, 1, [0, 0, 0, float.NaN, 0, 0, 0, 0]));
        Assert.Contains("value 3 is not finite", ExpectMsg<RestoreRefused>().Reason, StringComparison.Ordinal);

        var after = Pull(shard);
        Assert.Equal(0, after.Version);
        AssertBitwiseEqual(before.Values, after.Values);

        var empty = Sys.ActorOf(ParameterShardActor.Props(ParameterProtocol.EntityId(Job, 99), EdgeTrainSettings.Create(Sys.Settings.Config)), "empty");
        empty.Tell(new RestoreSlice(Job, 99, 1, new float[8]));
        Assert.Contains("does not exist", ExpectMsg<RestoreRefused>().Reason, StringComparison.Ordinal);
    }

    private SelectedSnapshot? LatestSnapshot(string persistenceId)
    {
        var store = Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        store.Tell(new LoadSnapshot(persistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue), TestActor);
        return ExpectMsg<LoadSnapshotResult>().Snapshot;
    }

    private long FirstJournalSequenceNr(string persistenceId)
    {
        var journal = Persistence.Instance.Apply(Sys).JournalFor(null);
        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, persistenceId, TestActor), TestActor);
        var first = long.MaxValue;
        var done = false;
        while (!done)
        {
            switch (ReceiveOne(TimeSpan.FromSeconds(3)))
            {
                case ReplayedMessage replayed:
                    first = Math.Min(first, replayed.Persistent.SequenceNr);
                    break;
                case RecoverySuccess:
                    done = true;
                    break;
                case var other:
                    throw new InvalidOperationException($"unexpected answer from the journal: {other}");
            }
        }

        return first;
    }
}
