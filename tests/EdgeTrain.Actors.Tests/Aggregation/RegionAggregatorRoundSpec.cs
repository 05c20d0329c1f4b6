using Akka.Actor;
using Akka.TestKit;
using EdgeTrain.Actors.Aggregation;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Core.Aggregation.Robust;
using EdgeTrain.Tests;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Tests.Aggregation;

/// <summary>An aggregator with a robust rule: a round of every trainer's whole update, merged by the rule.</summary>
public sealed class RegionAggregatorRoundSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Job = "tiny-1";
    private const string Region = "eu";
    private static readonly TimeSpan Never = TimeSpan.FromHours(1);
    private readonly TestProbe shards;

    public RegionAggregatorRoundSpec()
        : base(EdgeTrainConfig.ReferenceConfig)
    {
        shards = CreateTestProbe("shards");
    }

    private IActorRef Configured(AggregationRule rule, int trainers, string[]? quarantined = null)
    {
        var settings = EdgeTrainSettings.Create(Sys.Settings.Config) with { ResendAfter = Never };
        var aggregator = Sys.ActorOf(RegionAggregatorActor.Props(AggregationProtocol.EntityId(Job, Region), shards.Ref, settings));
        aggregator.Tell(new ConfigureAggregator(Job, Region, [2, 1], trainers, Never, Rule: rule, Quarantined: quarantined));
        ExpectMsg<AggregatorConfigured>();
        return aggregator;
    }

    private static void Round(IActorRef aggregator, TestProbe trainer, float a, float b, float c)
    {
        aggregator.Tell(new Contribution(Job, Region, 0, 0, 64, FloatData.Raw([a, b])), trainer.Ref);
        aggregator.Tell(new Contribution(Job, Region, 1, 0, 64, FloatData.Raw([c])), trainer.Ref);
    }

    private float[] Merged(int slice, int length)
    {
        var update = shards.FishForMessage<MergedUpdate>(m => m.Slice == slice, TimeSpan.FromSeconds(5));
        var values = FloatData.Decoded(update.Payload);
        Assert.Equal(length, values.Length);
        return values;
    }

    [Fact]
    public void Nothing_is_merged_before_every_trainer_sent_its_whole_update_and_then_the_median_leaves_the_attacker_out()
    {
        var aggregator = Configured(new AggregationRule(AggregationRuleKind.Median), trainers: 3);
        var honest1 = CreateTestProbe("honest-1");
        var honest2 = CreateTestProbe("honest-2");
        var attacker = CreateTestProbe("attacker");

        Round(aggregator, honest1, 1f, 2f, 3f);
        Round(aggregator, attacker, -50f, -50f, -50f);
        aggregator.Tell(new Contribution(Job, Region, 0, 0, 64, FloatData.Raw([1.2f, 2.2f])), honest2.Ref);
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        aggregator.Tell(new Contribution(Job, Region, 1, 0, 64, FloatData.Raw([3.2f])), honest2.Ref);

        Assert.Equal([1f, 2f], Merged(0, 2));
        Assert.Equal([3f], Merged(1, 1));
    }

    [Fact]
    public void A_quarantined_nodes_contributions_are_dropped_without_an_answer()
    {
        var aggregator = Configured(new AggregationRule(AggregationRuleKind.Median), trainers: 3, quarantined: [((ExtendedActorSystem)Sys).Provider.DefaultAddress.ToString()]);
        var trainer = CreateTestProbe("trainer");

        Round(aggregator, trainer, 1f, 2f, 3f);

        trainer.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        aggregator.Tell(new GetAggregatorStats(Job, Region));
        var stats = ExpectMsg<AggregatorStats>();
        Assert.Equal((0L, 2L), (stats.Accepted, stats.Rejected));
    }
}
