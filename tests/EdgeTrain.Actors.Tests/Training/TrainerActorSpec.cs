using Akka.Actor;
using Akka.TestKit;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Training;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Privacy.SecureAggregation;
using EdgeTrain.Tests;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Aggregation.SecureAggregationProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Tests.Training;

/// <summary>One trainer against probes standing in for its shards, aggregator and coordinator, on a clock the test moves.</summary>
public sealed class TrainerActorSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Job = "trainer-1";
    private const int BatchSize = 16;

    // an MLP 784 -> 8 -> 10: one slice
    private const int Floats = (784 * 8) + 8 + (8 * 10) + 10;

    private readonly TestProbe shards;
    private readonly TestProbe aggregators;
    private readonly TestProbe coordinator;

    public TrainerActorSpec()
        : base(EdgeTrainConfig.ReferenceConfig)
    {
        shards = CreateTestProbe("shards");
        aggregators = CreateTestProbe("aggregators");
        coordinator = CreateTestProbe("coordinator");
    }

    private static JobSpec Spec(int localSteps, TimeSpan budget) => new(
        Job,
        new ModelSpec(ModelKind.Mlp, [8], [], 0),
        new DataSpec("mnist", RepoPaths.Mnist, PartitioningKind.Iid, 2),
        new OptimizerSpec(OptimizerKind.Sgd, 0.05, 0, 0),
        BatchSize: BatchSize,
        MaxEpochs: 1,
        TargetAccuracy: 0.9,
        TimeLimit: TimeSpan.FromMinutes(1),
        SliceFloats: 262_144,
        Seed: 1,
        LocalSteps: localSteps,
        LocalTimeBudget: budget);

    private IActorRef Trainer(JobSpec spec, TimeProvider clock)
    {
        var start = new StartTraining(Job, spec, [0], 1, "local", [Floats], coordinator.Ref);
        var settings = EdgeTrainSettings.Create(Sys.Settings.Config);
        return Sys.ActorOf(TrainerActor.Props(start, shards.Ref, aggregators.Ref, settings, "node-1", clock));
    }

    private PullSlice ExpectPull() => shards.ExpectMsg<PullSlice>(TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData(0, 0, 6)]
    [InlineData(0, 1_000, 6)]
    [InlineData(35, 0, 6)]
    [InlineData(35, 10, 4)]
    [InlineData(35, 1_000, 1)]
    public void A_local_time_budget_bounds_the_local_steps_and_the_weight_is_the_samples_trained(int budgetMs, int msPerClockRead, int steps)
    {
        var clock = new SteppingClock(TimeSpan.FromMilliseconds(msPerClockRead));
        var trainer = Trainer(Spec(6, TimeSpan.FromMilliseconds(budgetMs)), clock);

        var pull = ExpectPull();
        Assert.Equal(new PullSlice(Job, 0, -1), pull);
        trainer.Tell(new SliceData(Job, 0, 3, new float[Floats]), shards.Ref);

        var contribution = aggregators.ExpectMsg<Contribution>(TimeSpan.FromSeconds(30));
        Assert.Equal(steps * BatchSize, contribution.Weight);
        Assert.Equal(3, contribution.BaseVersion);
        Assert.Equal(new PullSlice(Job, 0, 3), ExpectPull());
    }

    [Fact]
    public void The_round_trip_reported_is_the_time_from_a_pull_to_its_unchanged_answer()
    {
        var clock = new SteppingClock(TimeSpan.Zero);
        var trainer = Trainer(Spec(1, TimeSpan.Zero), clock);

        Assert.Equal(-1, ExpectPull().HaveVersion);
        clock.Advance(TimeSpan.FromMilliseconds(7));
        trainer.Tell(new SliceUnchanged(Job, 0, -1), shards.Ref);
        aggregators.ExpectMsg<Contribution>(TimeSpan.FromSeconds(30));
        ExpectPull();
        trainer.Tell(new StopTraining(Job));

        var progress = coordinator.FishForMessage<TrainerProgress>(p => p.Contributions == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(7, progress.RoundTripMs, 3);
        Assert.Equal(BatchSize, progress.Samples);
    }

    [Fact]
    public void A_slice_that_is_not_ready_is_asked_again_and_a_late_duplicate_is_not_trained_on()
    {
        var trainer = Trainer(Spec(1, TimeSpan.Zero), new SteppingClock(TimeSpan.Zero));

        ExpectPull();
        trainer.Tell(new SliceNotReady(Job, 0), shards.Ref);
        Assert.Equal(new PullSlice(Job, 0, -1), ExpectPull());
        trainer.Tell(new SliceData(Job, 0, 2, new float[Floats]), shards.Ref);
        Assert.Equal(2, aggregators.ExpectMsg<Contribution>(TimeSpan.FromSeconds(30)).BaseVersion);
        Assert.Equal(new PullSlice(Job, 0, 2), ExpectPull());

        // an answer to an ask of another version changes nothing; the round still waits for its own
        trainer.Tell(new SliceUnchanged(Job, 0, -1), shards.Ref);
        trainer.Tell(new SliceChanges(Job, 0, 1, 5, []), shards.Ref);
        aggregators.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        trainer.Tell(new SliceUnchanged(Job, 0, 2), shards.Ref);
        Assert.Equal(2, aggregators.ExpectMsg<Contribution>(TimeSpan.FromSeconds(30)).BaseVersion);
    }

    [Fact]
    public void A_dp_sgd_trainer_takes_only_the_steps_the_coordinator_reserved_and_stops_when_it_grants_none()
    {
        var q = (double)BatchSize / EdgeTrain.Training.Data.MnistLoader.LoadTrain(RepoPaths.Mnist).Count;
        var spec = Spec(1, TimeSpan.Zero) with { Privacy = new PrivacySpec(PrivacyMode.Example, Clip: 1, NoiseMultiplier: 0.6, Delta: 1e-5, TargetEpsilon: 3) };
        var trainer = Trainer(spec, new SteppingClock(TimeSpan.Zero));
        LeasePrivacy Ask() => (LeasePrivacy)coordinator.FishForMessage(m => m is LeasePrivacy, TimeSpan.FromSeconds(30));

        ExpectPull();
        trainer.Tell(new SliceData(Job, 0, 0, new float[Floats]), shards.Ref);
        var first = Ask();
        Assert.Equal([0], first.Partitions);
        Assert.Equal(0, first.Spent.Steps);
        Assert.Equal(q, first.SamplingRate, 12);
        aggregators.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // nothing leaves before the steps are reserved

        trainer.Tell(new PrivacyLeaseGranted(Job, 2), coordinator.Ref);
        Assert.Equal(0, aggregators.ExpectMsg<Contribution>(TimeSpan.FromSeconds(30)).BaseVersion);
        ExpectPull();
        trainer.Tell(new SliceData(Job, 0, 1, new float[Floats]), shards.Ref);
        Assert.Equal(1, aggregators.ExpectMsg<Contribution>(TimeSpan.FromSeconds(30)).BaseVersion);
        ExpectPull();
        trainer.Tell(new SliceData(Job, 0, 2, new float[Floats]), shards.Ref);
        var second = Ask();
        Assert.Equal(2, second.Spent.Steps);
        Assert.Equal(Core.Privacy.RdpAccountant.Empty.Step(q, 0.6, 2).Spent.Rdp, second.Spent.Rdp);

        trainer.Tell(new PrivacyLeaseGranted(Job, 0), coordinator.Ref);
        var progress = (TrainerProgress)coordinator.FishForMessage(m => m is TrainerProgress { Privacy.BudgetSpent: true }, TimeSpan.FromSeconds(30));
        Assert.Equal(2, progress.Privacy!.Spent.Steps);
        aggregators.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void With_secure_aggregation_the_aggregator_receives_only_a_masked_vector_and_the_round_recovers_the_update()
    {
        var spec = Spec(1, TimeSpan.Zero) with { Privacy = new PrivacySpec(PrivacyMode.Off, SecureAggregation: true, SecureRange: 1.0) };
        var trainer = Trainer(spec, new SteppingClock(TimeSpan.Zero));
        ExpectPull();
        trainer.Tell(new SliceData(Job, 0, 0, new float[Floats]), shards.Ref);

        // the test is the aggregator, with two more participants
        var join = aggregators.ExpectMsg<SecureJoin>(TimeSpan.FromSeconds(30));
        using var other1 = new SecureClient();
        using var other2 = new SecureClient();
        var roster = new SecureRoster("trainer-spec/1", [join.Keys, other1.Keys, other2.Keys], 1.0);
        var round = new SecureRound(roster, Floats);
        trainer.Tell(new SecureRosterFixed(Job, roster, 0), aggregators.Ref);
        Assert.Null(round.AddShares(0, aggregators.ExpectMsg<SecureShares>(TimeSpan.FromSeconds(10)).Boxes));
        Assert.Null(round.AddShares(1, other1.Share(roster, 1)));
        Assert.Null(round.AddShares(2, other2.Share(roster, 2)));
        Assert.Null(round.CloseSharing());
        trainer.Tell(new SecureSharesFor(Job, roster.RoundId, round.SharesFor(0)), aggregators.Ref);
        var masked = SecureRound.FromBytes(aggregators.ExpectMsg<SecureMasked>(TimeSpan.FromSeconds(10)).Words)!;
        var zeros = roster.Quantiser.Encode(new float[Floats]);
        Assert.Null(round.AddMasked(0, masked));
        Assert.Null(round.AddMasked(1, other1.Mask(zeros, round.SharesFor(1))));
        Assert.Null(round.AddMasked(2, other2.Mask(zeros, round.SharesFor(2))));
        Assert.Null(round.CloseMasking());
        trainer.Tell(new SecureUnmask(Job, roster.RoundId, [0, 1, 2], []), aggregators.Ref);
        Assert.Null(round.AddReveal(0, aggregators.ExpectMsg<SecureRevealed>(TimeSpan.FromSeconds(10)).Reveal));
        Assert.Null(round.AddReveal(1, other1.Reveal([0, 1, 2], [])));
        Assert.Null(round.AddReveal(2, other2.Reveal([0, 1, 2], [])));
        var sum = round.Finish()!;

        // the trainer's update is the sum less the others' zeros: a gradient, which its masked vector does not show
        var update = new uint[Floats];
        for (var i = 0; i < Floats; i++)
        {
            update[i] = unchecked(sum[i] - zeros[i] - zeros[i]);
        }

        Assert.True(Enumerable.Range(0, Floats).Count(i => masked[i] == update[i]) < Floats / 100);
        var gradient = roster.Quantiser.DecodeSum(update, 1);
        Assert.True(gradient.Any(g => Math.Abs(g) > 1e-4), "the recovered update is a gradient, not zeros");
        Assert.All(gradient, g => Assert.InRange(g, -1.0001f, 1.0001f));

        trainer.Tell(new SecureRoundEnded(Job, roster.RoundId, true, null), aggregators.Ref);
        ExpectPull();
        aggregators.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // never a plain contribution
    }

    [Fact]
    public void A_trainer_whose_aggregator_goes_away_mid_round_leaves_the_round_and_trains_again()
    {
        var spec = Spec(1, TimeSpan.Zero) with { Privacy = new PrivacySpec(PrivacyMode.Off, SecureAggregation: true, SecureRange: 1.0) };
        var trainer = Trainer(spec, new SteppingClock(TimeSpan.Zero));
        ExpectPull();
        trainer.Tell(new SliceData(Job, 0, 0, new float[Floats]), shards.Ref);
        var join = aggregators.ExpectMsg<SecureJoin>(TimeSpan.FromSeconds(30));
        using var other1 = new SecureClient();
        using var other2 = new SecureClient();
        var rounds = CreateTestProbe("rounds");
        trainer.Tell(new SecureRosterFixed(Job, new SecureRoster("gone/1", [join.Keys, other1.Keys, other2.Keys], 1.0), 0), rounds.Ref);
        aggregators.ExpectMsg<SecureShares>(TimeSpan.FromSeconds(10));

        Sys.Stop(rounds.Ref); // its node died

        Assert.Equal(new PullSlice(Job, 0, 0), ExpectPull());
        trainer.Tell(new SliceUnchanged(Job, 0, 0), shards.Ref);
        Assert.NotEqual(join.Keys.Cipher, aggregators.ExpectMsg<SecureJoin>(TimeSpan.FromSeconds(30)).Keys.Cipher); // a fresh round, fresh keys
    }

    [Fact]
    public void A_client_level_dp_trainer_leases_one_round_at_a_time_before_it_joins_a_secure_round()
    {
        var privacy = new PrivacySpec(PrivacyMode.Client, Clip: 0.5, NoiseMultiplier: 1, TargetEpsilon: 8, SecureAggregation: true);
        var trainer = Trainer(Spec(1, TimeSpan.Zero) with { Privacy = privacy }, new SteppingClock(TimeSpan.Zero));
        ExpectPull();
        trainer.Tell(new SliceData(Job, 0, 0, new float[Floats]), shards.Ref);

        var lease = (LeasePrivacy)coordinator.FishForMessage(m => m is LeasePrivacy, TimeSpan.FromSeconds(30));
        Assert.Equal(1.0, lease.SamplingRate); // every example takes part in every round
        Assert.Equal(1, lease.Steps);
        aggregators.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // nothing leaves before the round is reserved

        trainer.Tell(new PrivacyLeaseGranted(Job, 1), coordinator.Ref);
        aggregators.ExpectMsg<SecureJoin>(TimeSpan.FromSeconds(30));
        var progress = (TrainerProgress)coordinator.FishForMessage(m => m is TrainerProgress { Privacy: not null }, TimeSpan.FromSeconds(30));
        Assert.Equal(1, progress.Privacy!.Spent.Steps); // spent when it joined, before anything of its update left
    }

    /// <summary>A clock that moves by a fixed step each time it is read, and when the test moves it.</summary>
    private sealed class SteppingClock(TimeSpan step) : TimeProvider
    {
        private long ticks = TimeSpan.TicksPerDay;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Add(ref ticks, step.Ticks) - step.Ticks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
    }
}
