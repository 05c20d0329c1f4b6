using Akka.Actor;
using Akka.TestKit;
using EdgeTrain.Actors.Aggregation;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Core.Privacy.SecureAggregation;
using EdgeTrain.Tests;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Aggregation.SecureAggregationProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Tests.Aggregation;

/// <summary>
/// An aggregator running secure rounds with five trainers (probes that run the trainers' protocol with
/// <see cref="SecureClient"/>): one drops out after sharing, and the merged update is the mean of the
/// survivors' fixed-point updates; a round left below its threshold aborts and everyone hears it.
/// </summary>
public sealed class RegionAggregatorSecureSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Job = "secure-1";
    private const string Region = "eu";
    private const double Range = 0.5;
    private static readonly int[] Slices = [300, 200];
    private static readonly TimeSpan Never = TimeSpan.FromHours(1);
    private readonly TestProbe shards;

    public RegionAggregatorSecureSpec()
        : base(EdgeTrainConfig.ReferenceConfig)
    {
        shards = CreateTestProbe("shards");
    }

    [Fact]
    public void A_trainer_that_drops_out_after_sharing_leaves_the_mean_of_the_survivors_quantised_updates()
    {
        var aggregator = Configured(trainers: 5);
        var trainers = Enumerable.Range(0, 5).Select(i => new Trainer(CreateTestProbe($"trainer-{i}"), i)).ToArray();
        foreach (var t in trainers)
        {
            aggregator.Tell(new SecureJoin(Job, Region, t.Client.Keys), t.Probe.Ref);
        }

        foreach (var t in trainers)
        {
            t.Index = t.Probe.ExpectMsg<SecureRosterFixed>().Index;
            var roster = t.Probe.LastMessage is SecureRosterFixed r ? r.Roster : throw new InvalidOperationException();
            t.Roster = roster;
            aggregator.Tell(new SecureShares(Job, Region, roster.RoundId, t.Index, t.Client.Share(roster, t.Index)), t.Probe.Ref);
        }

        var gone = trainers[2]; // shared, then never sends its masked vector
        foreach (var t in trainers.Where(t => t != gone))
        {
            var shares = t.Probe.ExpectMsg<SecureSharesFor>();
            var masked = t.Client.Mask(t.Roster!.Quantiser.Encode(t.Update), shares.Boxes);
            var plain = t.Roster.Quantiser.Encode(t.Update);
            Assert.True(Enumerable.Range(0, plain.Length).Count(i => masked[i] == plain[i]) < 10);
            aggregator.Tell(new SecureMasked(Job, Region, t.Roster.RoundId, t.Index, SecureRound.ToBytes(masked), 64, 2000), t.Probe.Ref);
        }

        // after the phase timeout the survivors are asked for their shares
        foreach (var t in trainers.Where(t => t != gone))
        {
            var unmask = t.Probe.ExpectMsg<SecureUnmask>(TimeSpan.FromSeconds(10));
            Assert.Equal([gone.Index], unmask.Dropped);
            aggregator.Tell(new SecureRevealed(Job, Region, t.Roster!.RoundId, t.Index, t.Client.Reveal(unmask.Survivors, unmask.Dropped)), t.Probe.Ref);
        }

        var survivors = trainers.Where(t => t != gone).ToList();
        var words = new uint[Slices.Sum()];
        foreach (var t in survivors)
        {
            Masking.Add(words, t.Roster!.Quantiser.Encode(t.Update));
        }

        var expected = survivors[0].Roster!.Quantiser.DecodeSum(words, survivors.Count).Select(v => v / survivors.Count).ToArray();
        var merged = MergedUpdates();
        Assert.Equal(expected, merged);
        Assert.All(trainers.Where(t => t != gone), t => Assert.True(t.Probe.ExpectMsg<SecureRoundEnded>().Merged));

        aggregator.Tell(new GetAggregatorStats(Job, Region));
        Assert.Equal(4, ExpectMsg<AggregatorStats>().Accepted);
    }

    [Fact]
    public void A_round_left_with_fewer_than_its_threshold_aborts_and_the_next_round_goes_on()
    {
        var aggregator = Configured(trainers: 5);
        var trainers = Enumerable.Range(0, 5).Select(i => new Trainer(CreateTestProbe($"trainer-{i}"), i)).ToArray();
        foreach (var t in trainers)
        {
            aggregator.Tell(new SecureJoin(Job, Region, t.Client.Keys), t.Probe.Ref);
        }

        // only two of five send their shares: below the threshold of 3
        foreach (var t in trainers)
        {
            var roster = t.Probe.ExpectMsg<SecureRosterFixed>();
            t.Index = roster.Index;
            var boxes = t.Client.Share(roster.Roster, roster.Index);
            if (t.Index < 2)
            {
                aggregator.Tell(new SecureShares(Job, Region, roster.Roster.RoundId, t.Index, boxes), t.Probe.Ref);
            }
        }

        var ended = trainers.Select(t => t.Probe.ExpectMsg<SecureRoundEnded>(TimeSpan.FromSeconds(10))).ToList();
        Assert.All(ended, e => Assert.False(e.Merged));
        Assert.Contains("2 of 5 participants sent their shares; the threshold is 3", ended[0].Reason, StringComparison.Ordinal);
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // the next round starts with whoever joins
        foreach (var t in trainers)
        {
            t.Client.Dispose();
            t.Client = new SecureClient();
            aggregator.Tell(new SecureJoin(Job, Region, t.Client.Keys), t.Probe.Ref);
        }

        Assert.All(trainers, t => Assert.EndsWith("/2", t.Probe.ExpectMsg<SecureRosterFixed>().Roster.RoundId, StringComparison.Ordinal));
    }

    private IActorRef Configured(int trainers)
    {
        var settings = EdgeTrainSettings.Create(Sys.Settings.Config) with { ResendAfter = Never, SecurePhaseTimeout = TimeSpan.FromMilliseconds(500) };
        var aggregator = Sys.ActorOf(RegionAggregatorActor.Props(AggregationProtocol.EntityId(Job, Region), shards.Ref, settings));
        aggregator.Tell(new ConfigureAggregator(Job, Region, Slices, trainers, Never) { SecureRange = Range });
        ExpectMsg<AggregatorConfigured>();
        return aggregator;
    }

    private float[] MergedUpdates()
    {
        var updates = new[] { shards.FishForMessage<MergedUpdate>(m => m.Slice == 0, TimeSpan.FromSeconds(10)), shards.FishForMessage<MergedUpdate>(m => m.Slice == 1, TimeSpan.FromSeconds(10)) };
        return [.. updates.SelectMany(u => FloatData.Decoded(u.Payload))];
    }

    private sealed class Trainer(TestProbe probe, int seed)
    {
        public TestProbe Probe { get; } = probe;

        public SecureClient Client { get; set; } = new();

        public float[] Update { get; } = FloatData.Update(Slices.Sum(), seed).Select(v => v * 0.3f).ToArray();

        public int Index { get; set; }

        public SecureRoster? Roster { get; set; }
    }
}
