using EdgeTrain.Core.Redundancy;
using EdgeTrain.Core.Reputation;

namespace EdgeTrain.Core.Tests.Redundancy;

/// <summary>Work units handed to replicas, voted on, accepted once, and recorded, round by round.</summary>
public sealed class VoteRoundsSpec
{
    private static readonly long[] V0 = [0, 0];
    private static readonly long[] V1 = [1, 1];

    private static VoteSettings Settings(int unitsPerRound = 1, double spot = 0, int replicas = 3, int trainers = 0) =>
        new(replicas, spot, unitsPerRound, UnitSamples: 4, Seed: 7, RoundTimeout: TimeSpan.FromSeconds(10), Trainers: trainers);

    private static float[] Honest(float scale = 1f) => [1f * scale, 2f * scale, -3f * scale];

    private static WorkUnit Unit(VoteRounds vote, string node, long[]? versions = null, TimeSpan? now = null)
    {
        var answer = vote.Request(node, versions ?? V0, 100, now ?? TimeSpan.Zero);
        Assert.True(answer.Unit is not null, answer.Wait);
        return answer.Unit;
    }

    [Fact]
    public void Three_untrusted_nodes_compute_one_unit_and_its_majority_is_accepted_once()
    {
        var vote = new VoteRounds(Settings());
        var a = Unit(vote, "a");
        var b = Unit(vote, "b");
        var c = Unit(vote, "c");

        Assert.Equal(a, b);
        Assert.Equal(a, c);
        Assert.Equal(4, a.Samples.Length);
        vote.Result("a", a.Id, V0, Honest(), 4);
        vote.Result("b", a.Id, V0, Honest(), 4);
        Assert.Null(vote.TakeClosed());
        vote.Result("c", a.Id, V0, Honest(), 4);

        var closed = Assert.Single(vote.TakeClosed()!);
        Assert.Equal(Honest(), closed.Update);
        Assert.Equal(4, closed.Weight);
        Assert.Null(vote.TakeClosed());
        Assert.All(vote.TakeObservations().Values, d => Assert.Equal(new ReputationDelta(VotesWon: 1), d));
        Assert.Equal((3L, 1L), (vote.Counts.Computed, vote.Counts.Applied));
        Assert.Equal(2.0, vote.Counts.ExtraCompute);
    }

    [Fact]
    public void A_sign_flipped_replica_loses_the_vote_and_the_honest_update_is_applied()
    {
        var vote = new VoteRounds(Settings());
        var unit = Unit(vote, "a");
        Unit(vote, "b");
        Unit(vote, "evil");

        vote.Result("a", unit.Id, V0, Honest(), 4);
        vote.Result("evil", unit.Id, V0, Honest(-1f), 4);
        vote.Result("b", unit.Id, V0, Honest(1.00001f), 4); // float rounding on another machine: agrees

        var accepted = Assert.Single(vote.TakeClosed()!);
        Assert.True(ReplicaVote.Agree(Honest(), accepted.Update));
        var seen = vote.TakeObservations();
        Assert.Equal(new ReputationDelta(VotesLost: 1), seen["evil"]);
        Assert.Equal(new ReputationDelta(VotesWon: 1), seen["a"]);
        Assert.Equal(new ReputationDelta(VotesWon: 1), seen["b"]);
    }

    [Fact]
    public void Without_a_strict_majority_nothing_is_applied_and_nobody_is_counted()
    {
        var vote = new VoteRounds(Settings(unitsPerRound: 3));
        var unit = Unit(vote, "a");
        Unit(vote, "b");
        Unit(vote, "c");

        vote.Result("a", unit.Id, V0, Honest(), 4);
        vote.Result("b", unit.Id, V0, Honest(-1f), 4);
        vote.Result("c", unit.Id, V0, Honest(5f), 4);

        Assert.Empty(vote.TakeObservations());
        Assert.Equal(1, vote.Counts.Inconclusive);
        Assert.False(vote.Closed);
    }

    [Fact]
    public void A_trusted_node_works_alone_and_costs_nothing_extra_without_spot_checks()
    {
        var vote = new VoteRounds(Settings(unitsPerRound: 2));
        vote.Configure(Settings(unitsPerRound: 2), ["a", "b"]);

        var a = Unit(vote, "a");
        var b = Unit(vote, "b");
        Assert.NotEqual(a.Id, b.Id);
        Assert.False(vote.Request("c", V0, 100, TimeSpan.Zero).Unit is not null, "the round's units are under way");
        vote.Result("a", a.Id, V0, Honest(), 4);
        vote.Result("b", b.Id, V0, Honest(2f), 4);

        Assert.Equal(2, vote.TakeClosed()!.Count);
        Assert.Empty(vote.TakeObservations());
        Assert.Equal(0.0, vote.Counts.SettledExtraCompute);
    }

    [Fact]
    public void A_spot_check_gives_a_trusted_nodes_unit_to_a_checker_and_a_disagreement_to_a_third_replica()
    {
        var vote = new VoteRounds(Settings(unitsPerRound: 3, spot: 1.0));
        vote.Configure(Settings(unitsPerRound: 3, spot: 1.0), ["t"]);

        var unit = Unit(vote, "t");
        Assert.Equal(unit, Unit(vote, "checker"));
        vote.Result("t", unit.Id, V0, Honest(-1f), 4);
        vote.Result("checker", unit.Id, V0, Honest(), 4);
        Assert.Empty(vote.TakeObservations());

        Assert.Equal(unit, Unit(vote, "third"));
        vote.Result("third", unit.Id, V0, Honest(), 4);

        var seen = vote.TakeObservations();
        Assert.Equal(new ReputationDelta(SpotChecksFailed: 1), seen["t"]);
        Assert.Equal(new ReputationDelta(VotesWon: 1), seen["checker"]);
        Assert.Equal(new ReputationDelta(VotesWon: 1), seen["third"]);
    }

    [Fact]
    public void A_passed_spot_check_is_recorded_for_the_trusted_node()
    {
        var vote = new VoteRounds(Settings(unitsPerRound: 2, spot: 1.0));
        vote.Configure(Settings(unitsPerRound: 2, spot: 1.0), ["t"]);
        var unit = Unit(vote, "t");
        Unit(vote, "checker");
        vote.Result("checker", unit.Id, V0, Honest(), 4);
        vote.Result("t", unit.Id, V0, Honest(), 4);

        var seen = vote.TakeObservations();
        Assert.Equal(new ReputationDelta(SpotChecksPassed: 1), seen["t"]);
        Assert.Equal(new ReputationDelta(VotesWon: 1), seen["checker"]);
        Assert.Equal((2L, 1L), (vote.Counts.SettledComputed, vote.Counts.SettledApplied));
    }

    [Fact]
    public void A_new_round_starts_only_from_a_model_that_moved_in_every_slice()
    {
        var vote = new VoteRounds(Settings(replicas: 1));
        var unit = Unit(vote, "a");
        vote.Result("a", unit.Id, V0, Honest(), 4);
        Assert.NotNull(vote.TakeClosed());

        Assert.Contains("being applied", vote.Request("a", V0, 100, TimeSpan.Zero).Wait);
        Assert.Contains("being applied", vote.Request("a", [1, 0], 100, TimeSpan.Zero).Wait);
        var next = Unit(vote, "a", V1);

        Assert.Equal(2, next.Round);
        Assert.Equal(V1, next.Versions);
        Assert.Contains("computes from model", vote.Request("b", V0, 100, TimeSpan.Zero).Wait);
    }

    [Fact]
    public void A_replica_computed_from_another_model_is_dropped_without_counting_against_its_node()
    {
        var vote = new VoteRounds(Settings());
        var unit = Unit(vote, "a");
        Unit(vote, "b");
        Unit(vote, "c");

        vote.Result("c", unit.Id, V1, Honest(), 4);
        Assert.Equal(unit, Unit(vote, "d"));
        vote.Result("a", unit.Id, V0, Honest(), 4);
        vote.Result("b", unit.Id, V0, Honest(), 4);
        vote.Result("d", unit.Id, V0, Honest(), 4);

        Assert.Single(vote.TakeClosed()!);
        Assert.DoesNotContain("c", vote.TakeObservations().Keys);
    }

    [Fact]
    public void At_the_timeout_two_agreeing_replicas_decide_and_a_lone_one_is_abandoned()
    {
        var vote = new VoteRounds(Settings(unitsPerRound: 3));
        var first = Unit(vote, "a");
        Unit(vote, "b");
        Unit(vote, "c");
        Assert.Equal(first, Unit(vote, "a")); // asked again before answering: the same unit
        vote.Result("a", first.Id, V0, Honest(), 4);
        vote.Result("b", first.Id, V0, Honest(), 4);
        var second = Unit(vote, "a");
        Assert.NotEqual(first.Id, second.Id);
        vote.Result("a", second.Id, V0, Honest(), 4);

        Assert.False(vote.Expire(TimeSpan.FromSeconds(9)));
        Assert.True(vote.Expire(TimeSpan.FromSeconds(10)));

        Assert.Single(vote.TakeClosed()!);
        Assert.Equal(1, vote.Counts.Abandoned);
        Assert.DoesNotContain("c", vote.TakeObservations().Keys);
    }

    [Fact]
    public void A_unit_waiting_for_a_replica_the_region_no_longer_has_is_decided_by_those_that_came()
    {
        var vote = new VoteRounds(Settings(trainers: 3));
        var unit = Unit(vote, "a");
        Unit(vote, "b");
        Unit(vote, "gone");
        vote.Result("a", unit.Id, V0, Honest(), 4);
        vote.Result("b", unit.Id, V0, Honest(), 4);

        vote.Configure(Settings(trainers: 2), []);

        Assert.Single(vote.TakeClosed()!);
        Assert.Equal(2, vote.TakeObservations().Count);
    }

    [Fact]
    public void A_quarantined_nodes_replica_under_way_is_dropped_before_the_unit_is_decided()
    {
        var vote = new VoteRounds(Settings(trainers: 3));
        var unit = Unit(vote, "a");
        Unit(vote, "b");
        Unit(vote, "evil");
        vote.Result("a", unit.Id, V0, Honest(), 4);
        vote.Result("evil", unit.Id, V0, Honest(-1f), 4);

        vote.Configure(Settings(trainers: 2), [], ["evil"]);
        Assert.Null(vote.TakeClosed());
        vote.Result("b", unit.Id, V0, Honest(), 4);

        Assert.Equal(Honest(), Assert.Single(vote.TakeClosed()!).Update);
        Assert.Equal(0, vote.Counts.Inconclusive);
    }

    [Fact]
    public void Units_cover_the_shared_set_in_a_seeded_order()
    {
        static int[][] Draw()
        {
            var vote = new VoteRounds(Settings(unitsPerRound: 25, replicas: 1));
            return [.. Enumerable.Range(0, 25).Select(i => Unit(vote, $"n{i}").Samples)];
        }

        var samples = Draw();
        Assert.Equal(samples, Draw());
        Assert.Equal(Enumerable.Range(0, 100), samples.SelectMany(s => s).Order());
    }

    [Fact]
    public void Replicas_on_other_shared_data_are_refused()
    {
        var vote = new VoteRounds(Settings());
        Unit(vote, "a");

        Assert.Contains("same data", vote.Request("b", V0, 99, TimeSpan.Zero).Wait);
    }
}
