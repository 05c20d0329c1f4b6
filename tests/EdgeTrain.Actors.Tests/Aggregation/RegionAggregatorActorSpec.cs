using Akka.Actor;
using Akka.TestKit;
using EdgeTrain.Actors.Aggregation;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Tests;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Tests.Aggregation;

public sealed class RegionAggregatorActorSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Job = "tiny-1";
    private const string Region = "eu";
    private static readonly TimeSpan Never = TimeSpan.FromHours(1);
    private static readonly string EntityId = AggregationProtocol.EntityId(Job, Region);

    private readonly TestProbe shards;

    public RegionAggregatorActorSpec()
        : base(EdgeTrainConfig.ReferenceConfig)
    {
        shards = CreateTestProbe("shards");
    }

    private IActorRef Aggregator(TimeSpan? resendAfter = null)
    {
        var settings = EdgeTrainSettings.Create(Sys.Settings.Config) with { ResendAfter = resendAfter ?? Never };
        return Sys.ActorOf(RegionAggregatorActor.Props(EntityId, shards.Ref, settings));
    }

    private IActorRef Configured(int mergeCount, TimeSpan? mergeInterval = null, TimeSpan? resendAfter = null)
    {
        var aggregator = Aggregator(resendAfter);
        aggregator.Tell(new ConfigureAggregator(Job, Region, [3, 2], mergeCount, mergeInterval ?? Never));
        ExpectMsg<AggregatorConfigured>(m => m.JobId == Job && m.Region == Region);
        return aggregator;
    }

    private static Contribution Contribution(int slice, double weight, float[] payload, long baseVersion = 0) =>
        new(Job, Region, slice, baseVersion, weight, FloatData.Raw(payload));

    private static int RawBytes(int floats) => 5 + (floats * sizeof(float));

    private AggregatorStats Stats(IActorRef aggregator)
    {
        aggregator.Tell(new GetAggregatorStats(Job, Region));
        return ExpectMsg<AggregatorStats>();
    }

    private ContributionRejected Rejected(IActorRef aggregator, Contribution contribution)
    {
        aggregator.Tell(contribution);
        var rejected = ExpectMsg<ContributionRejected>();
        Assert.Equal(contribution.JobId, rejected.JobId);
        Assert.Equal(contribution.Region, rejected.Region);
        Assert.Equal(contribution.Slice, rejected.Slice);
        return rejected;
    }

    private void DrainShards()
    {
        while (shards.HasMessages)
        {
            shards.ReceiveOne(TimeSpan.Zero);
        }
    }

    [Fact]
    public void A_contribution_before_the_job_is_configured_is_rejected_and_counted()
    {
        var aggregator = Aggregator();

        var rejected = Rejected(aggregator, Contribution(0, 32, [1f, 2f, 3f]));

        Assert.Equal($"job {Job} is unknown to this aggregator (not configured)", rejected.Reason);
        var stats = Stats(aggregator);
        Assert.Equal(1, stats.Rejected);
        Assert.Equal(0, stats.Accepted);
        Assert.Equal(0, stats.BytesIn);
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Configuring_is_answered_and_idempotent()
    {
        var aggregator = Configured(mergeCount: 2);
        aggregator.Tell(Contribution(0, 1, [1f, 1f, 1f]));

        aggregator.Tell(new ConfigureAggregator(Job, Region, [3, 2], 2, Never));
        ExpectMsg<AggregatorConfigured>(m => m.JobId == Job && m.Region == Region);
        aggregator.Tell(Contribution(0, 1, [3f, 3f, 3f]));

        // the first contribution survived the second configuration: together they make a merge
        var update = shards.ExpectMsg<MergedUpdate>();
        Assert.Equal([2f, 2f, 2f], FloatData.Decoded(update.Payload));
        var stats = Stats(aggregator);
        Assert.Equal(Job, stats.JobId);
        Assert.Equal(Region, stats.Region);
        Assert.Equal(2, stats.Accepted);
    }

    [Fact]
    public void Malformed_contributions_are_rejected_with_a_reason_counted_and_never_sent()
    {
        var aggregator = Configured(mergeCount: 1, mergeInterval: TimeSpan.FromMilliseconds(50));

        Assert.Equal(
            "slice 2 does not exist; the job has slices 0 to 1",
            Rejected(aggregator, Contribution(2, 32, [1f, 2f])).Reason);
        Assert.Equal(
            "slice -1 does not exist; the job has slices 0 to 1",
            Rejected(aggregator, Contribution(-1, 32, [1f, 2f])).Reason);
        Assert.EndsWith(
            "None payload: header says 2 elements; the destination holds 3",
            Rejected(aggregator, Contribution(0, 32, [1f, 2f])).Reason,
            StringComparison.Ordinal);
        Assert.StartsWith(
            "weight ",
            Rejected(aggregator, Contribution(1, 0, [1f, 2f])).Reason,
            StringComparison.Ordinal);
        Assert.EndsWith(
            "value 1 is NaN; expected finite numbers",
            Rejected(aggregator, Contribution(1, 32, [1f, float.NaN])).Reason,
            StringComparison.Ordinal);
        Assert.EndsWith(
            "value 0 is -Infinity; expected finite numbers",
            Rejected(aggregator, Contribution(0, 32, [float.NegativeInfinity, 1f, 1f])).Reason,
            StringComparison.Ordinal);

        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        var stats = Stats(aggregator);
        Assert.Equal(6, stats.Rejected);
        Assert.Equal(0, stats.Accepted);
        Assert.Equal(0, stats.MergedSent);
        Assert.Equal(0, stats.Pending);
        Assert.Equal(0, stats.BytesIn);
        Assert.Equal(0, stats.BytesOut);
    }

    [Fact]
    public void Merge_count_contributions_make_one_weighted_merged_update()
    {
        var aggregator = Configured(mergeCount: 2);

        aggregator.Tell(Contribution(0, 1, [1f, 2f, 3f]));
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        aggregator.Tell(Contribution(0, 3, [5f, 6f, 7f]));

        var update = shards.ExpectMsg<MergedUpdate>();
        Assert.Equal(Job, update.JobId);
        Assert.Equal(0, update.Slice);
        Assert.Equal(1, update.Sequence);
        Assert.StartsWith(EntityId + "#", update.AggregatorId, StringComparison.Ordinal);
        Assert.Equal([4f, 5f, 6f], FloatData.Decoded(update.Payload));
        Assert.Equal(aggregator, shards.LastSender);
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Stale_contributions_are_discounted_once_the_shard_reported_a_newer_version()
    {
        var aggregator = Configured(mergeCount: 2);
        aggregator.Tell(Contribution(1, 1, [1f, 1f]));
        aggregator.Tell(Contribution(1, 1, [1f, 1f]));
        var first = shards.ExpectMsg<MergedUpdate>();
        shards.Send(aggregator, new UpdateAck(Job, 1, first.AggregatorId, first.Sequence, 3));

        // 3 versions behind: weight 8 / (1 + 3)^0.5 = 4; current: weight 4
        aggregator.Tell(Contribution(1, 8, [0f, 2f], baseVersion: 0));
        aggregator.Tell(Contribution(1, 4, [2f, 4f], baseVersion: 3));

        var second = shards.ExpectMsg<MergedUpdate>();
        Assert.Equal(2, second.Sequence);
        Assert.Equal([1f, 3f], FloatData.Decoded(second.Payload));
    }

    [Fact]
    public void Merged_updates_go_out_in_the_configured_codec_scaled_by_the_share()
    {
        var aggregator = Aggregator(null);
        aggregator.Tell(new ConfigureAggregator(Job, Region, [3, 2], 2, Never, new CodecSpec(CodecKind.TopK, TopKFraction: 0.34), ErrorFeedback: true, Share: 0.5f));
        ExpectMsg<AggregatorConfigured>();
        var topK = TensorCodecs.For(new CodecSpec(CodecKind.TopK, TopKFraction: 0.34));

        aggregator.Tell(new Contribution(Job, Region, 0, 0, 1, topK.Encode([8f, 0f, 1f])));
        aggregator.Tell(Contribution(0, 1, [0f, 0f, 2f]));

        // average [4, 0, 1.5], half of it [2, 0, 0.75]; top 34% of 3 = 2 values
        var update = shards.ExpectMsg<MergedUpdate>();
        Assert.Equal((byte)CodecKind.TopK, update.Payload[0]);
        Assert.Equal([2f, 0f, 0.75f], FloatData.Decoded(update.Payload));
        Assert.Equal(update.Payload.Length, Stats(aggregator).BytesOut);
    }

    [Fact]
    public void A_contribution_that_does_not_decode_is_rejected_naming_the_problem()
    {
        var aggregator = Configured(mergeCount: 1);
        var payload = TensorCodecs.For(new CodecSpec(CodecKind.TopK, TopKFraction: 0.5)).Encode([0f, 5f, 0f]);
        payload[10] = 0x81; // the second index claims to go on into the values

        var reason = Rejected(aggregator, new Contribution(Job, Region, 0, 0, 1, payload)).Reason;

        Assert.StartsWith("slice 0 (3 floats): contribution from ", reason, StringComparison.Ordinal);
        Assert.Contains("TopK payload", reason, StringComparison.Ordinal);
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Sequence_numbers_grow_per_slice()
    {
        var aggregator = Configured(mergeCount: 1);

        aggregator.Tell(Contribution(0, 1, [1f, 1f, 1f]));
        aggregator.Tell(Contribution(1, 1, [1f, 1f]));
        aggregator.Tell(Contribution(0, 1, [2f, 2f, 2f]));

        var updates = new[] { shards.ExpectMsg<MergedUpdate>(), shards.ExpectMsg<MergedUpdate>(), shards.ExpectMsg<MergedUpdate>() };
        Assert.Equal([(0, 1L), (1, 1L), (0, 2L)], updates.Select(u => (u.Slice, u.Sequence)));
        Assert.Single(updates.Select(u => u.AggregatorId).Distinct());
    }

    [Fact]
    public void The_merge_interval_flushes_a_single_contribution()
    {
        var aggregator = Configured(mergeCount: 5, mergeInterval: TimeSpan.FromMilliseconds(100));

        aggregator.Tell(Contribution(1, 32, [0.5f, -0.25f]));

        var update = shards.ExpectMsg<MergedUpdate>(TimeSpan.FromSeconds(3));
        Assert.Equal(1, update.Slice);
        Assert.Equal(1, update.Sequence);
        Assert.Equal([0.5f, -0.25f], FloatData.Decoded(update.Payload));
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, Stats(aggregator).MergedSent);
    }

    [Fact]
    public void An_unacknowledged_update_is_sent_again_unchanged_until_it_is_acknowledged()
    {
        var aggregator = Configured(mergeCount: 2, resendAfter: TimeSpan.FromMilliseconds(200));
        aggregator.Tell(Contribution(0, 1, [1f, 2f, 3f]));
        aggregator.Tell(Contribution(0, 1, [3f, 4f, 5f]));
        var sent = shards.ExpectMsg<MergedUpdate>();

        var again = shards.ExpectMsg<MergedUpdate>(TimeSpan.FromSeconds(3));
        var thrice = shards.ExpectMsg<MergedUpdate>(TimeSpan.FromSeconds(3));

        foreach (var resent in new[] { again, thrice })
        {
            Assert.Equal(sent.AggregatorId, resent.AggregatorId);
            Assert.Equal(sent.Slice, resent.Slice);
            Assert.Equal(1, resent.Sequence);
            Assert.Equal([2f, 3f, 4f], FloatData.Decoded(resent.Payload));
        }

        var stats = Stats(aggregator);
        Assert.Equal(1, stats.MergedSent);
        Assert.Equal(1, stats.Pending);

        shards.Send(aggregator, new UpdateAck(Job, 0, sent.AggregatorId, 1, 1));
        Assert.Equal(0, Stats(aggregator).Pending);
        DrainShards();
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(800));
    }

    [Fact]
    public void An_update_the_shard_refused_is_dropped_and_not_sent_again()
    {
        var aggregator = Configured(mergeCount: 1, resendAfter: TimeSpan.FromMilliseconds(200));
        aggregator.Tell(Contribution(1, 1, [1f, 2f]));
        var sent = shards.ExpectMsg<MergedUpdate>();

        shards.Send(aggregator, new UpdateRejected(Job, 1, sent.AggregatorId, sent.Sequence, "test"));

        var stats = Stats(aggregator);
        Assert.Equal(0, stats.Pending);
        Assert.Equal(0, stats.Acknowledged);
        DrainShards();
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(800));
    }

    [Fact]
    public void An_acknowledgement_of_an_unknown_update_is_not_counted()
    {
        var aggregator = Configured(mergeCount: 1);
        aggregator.Tell(Contribution(1, 1, [1f, 2f]));
        var sent = shards.ExpectMsg<MergedUpdate>();

        shards.Send(aggregator, new UpdateAck(Job, 1, sent.AggregatorId, 7, 1));
        shards.Send(aggregator, new UpdateAck(Job, 5, sent.AggregatorId, 1, 1));
        shards.Send(aggregator, new UpdateAck(Job, 1, sent.AggregatorId, 1, 1));
        shards.Send(aggregator, new UpdateAck(Job, 1, sent.AggregatorId, 1, 1));

        var stats = Stats(aggregator);
        Assert.Equal(1, stats.Acknowledged);
        Assert.Equal(0, stats.Pending);
    }

    [Fact]
    public void The_stats_count_contributions_updates_and_payload_bytes()
    {
        var aggregator = Configured(mergeCount: 2);
        aggregator.Tell(Contribution(0, 1, [1f, 2f, 3f]));
        aggregator.Tell(Contribution(0, 1, [1f, 2f, 3f]));
        aggregator.Tell(Contribution(1, 1, [1f, 2f]));
        aggregator.Tell(Contribution(1, 1, [1f, 2f]));
        aggregator.Tell(Contribution(1, 1, [1f, float.NaN]));
        ExpectMsg<ContributionRejected>();
        var first = shards.ExpectMsg<MergedUpdate>();
        var second = shards.ExpectMsg<MergedUpdate>();

        var before = Stats(aggregator);
        Assert.Equal(4, before.Accepted);
        Assert.Equal(1, before.Rejected);
        Assert.Equal(2, before.MergedSent);
        Assert.Equal(0, before.Acknowledged);
        Assert.Equal(2, before.Pending);
        // raw payloads: a 5-byte header (codec, count) and 4 bytes a float
        Assert.Equal(RawBytes(3) + RawBytes(3) + RawBytes(2) + RawBytes(2), before.BytesIn);
        Assert.Equal(RawBytes(3) + RawBytes(2), before.BytesOut);

        shards.Send(aggregator, new UpdateAck(Job, first.Slice, first.AggregatorId, first.Sequence, 1));
        var half = Stats(aggregator);
        Assert.Equal(1, half.Acknowledged);
        Assert.Equal(1, half.Pending);

        shards.Send(aggregator, new UpdateAck(Job, second.Slice, second.AggregatorId, second.Sequence, 1));
        var after = Stats(aggregator);
        Assert.Equal(4, after.Accepted);
        Assert.Equal(1, after.Rejected);
        Assert.Equal(2, after.MergedSent);
        Assert.Equal(2, after.Acknowledged);
        Assert.Equal(0, after.Pending);
        Assert.Equal(before.BytesIn, after.BytesIn);
        Assert.Equal(before.BytesOut, after.BytesOut);
    }

    [Fact]
    public void Re_sends_count_as_bytes_out_but_not_as_merged_updates()
    {
        var aggregator = Configured(mergeCount: 1, resendAfter: TimeSpan.FromMilliseconds(200));
        aggregator.Tell(Contribution(0, 1, [1f, 2f, 3f]));
        shards.ExpectMsg<MergedUpdate>();
        shards.ExpectMsg<MergedUpdate>(TimeSpan.FromSeconds(3));

        var stats = Stats(aggregator);

        Assert.Equal(1, stats.MergedSent);
        Assert.True(stats.BytesOut >= 2 * RawBytes(3), $"bytes out {stats.BytesOut}");
        Assert.Equal(0, stats.BytesOut % RawBytes(3));
    }

    [Fact]
    public void Bytes_out_are_the_payloads_of_every_send()
    {
        var aggregator = Configured(mergeCount: 1);

        aggregator.Tell(Contribution(0, 1, [1f, 2f, 3f]));
        aggregator.Tell(Contribution(1, 1, [1f, 2f]));
        shards.ExpectMsg<MergedUpdate>();
        shards.ExpectMsg<MergedUpdate>();

        var stats = Stats(aggregator);
        Assert.Equal(RawBytes(3) + RawBytes(2), stats.BytesOut);
        Assert.Equal(RawBytes(3) + RawBytes(2), stats.BytesIn);
    }
}
