using EdgeTrain.Core.Reputation;

namespace EdgeTrain.Core.Tests.Reputation;

public sealed class ReputationSpec
{
    private static readonly DateTime T0 = new(2026, 12, 3, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_new_node_scores_one_half_a_clean_record_rises_and_a_bad_one_falls()
    {
        var policy = ReputationPolicy.Default;
        var ledger = new ReputationLedger();

        Assert.Equal(0.5, policy.Score(ledger.Of("new")));
        var clean = ledger.Record("clean", new ReputationDelta(Used: 50));
        var bad = ledger.Record("bad", new ReputationDelta(Used: 5, LeftOut: 10));

        Assert.True(policy.Score(clean) > 0.95);
        Assert.True(policy.Score(bad) < 0.2);
    }

    [Fact]
    public void A_node_is_quarantined_only_after_enough_bad_observations_and_a_low_score()
    {
        var policy = ReputationPolicy.Default;
        var ledger = new ReputationLedger();

        var twoBad = ledger.Record("a", new ReputationDelta(LeftOut: 2));
        Assert.Null(policy.QuarantineReason(twoBad)); // score 0.1, but only 2 observations

        var fiveBad = ledger.Record("a", new ReputationDelta(LeftOut: 2, VotesLost: 1));
        var reason = policy.QuarantineReason(fiveBad);
        Assert.NotNull(reason);
        Assert.Contains("4 left out, 1 votes lost", reason, StringComparison.Ordinal);

        ledger.Quarantine("a", T0, reason!);
        Assert.True(ledger.IsQuarantined("a"));
        Assert.Equal(5, ledger.Of("a").ObservedAtQuarantine);
        Assert.Null(policy.QuarantineReason(ledger.Of("a"))); // already quarantined
    }

    [Fact]
    public void An_honest_node_left_out_now_and_then_is_never_quarantined()
    {
        var policy = ReputationPolicy.Default;
        var ledger = new ReputationLedger();

        // one round in ten on unusual data puts it beyond the outlier limit
        for (var round = 0; round < 1000; round++)
        {
            var record = ledger.Record("honest", round % 10 == 9 ? new ReputationDelta(LeftOut: 1) : new ReputationDelta(Used: 1));
            Assert.Null(policy.QuarantineReason(record));
        }

        // 900 used, 100 left out: well above the quarantine line, but not clean enough to work alone
        Assert.InRange(policy.Score(ledger.Of("honest")), 0.6, 0.8);
        Assert.False(policy.Trusted(ledger.Of("honest")));
    }

    [Fact]
    public void A_long_clean_record_earns_working_alone_and_a_release_starts_afresh()
    {
        var policy = ReputationPolicy.Default;
        var ledger = new ReputationLedger();

        Assert.Equal(3, policy.ReplicasFor(ledger.Of("n")));
        var record = ledger.Record("n", new ReputationDelta(Used: 15, VotesWon: 10));
        Assert.Equal(1, policy.ReplicasFor(record));

        ledger.Quarantine("n", T0, "operator");
        Assert.Equal(3, policy.ReplicasFor(ledger.Of("n")));
        ledger.Release("n");
        Assert.False(ledger.IsQuarantined("n"));
        Assert.Equal(0, ledger.Of("n").Good);
    }

    [Fact]
    public void The_majority_of_replicas_wins_within_the_tolerance()
    {
        float[] honest = [1f, 2f, 3f];
        float[] noisy = [1.0000001f, 2f, 2.9999998f];

        var vote = ReplicaVote.Vote([new("a", honest), new("b", [-1f, -2f, -3f]), new("c", noisy)]);

        Assert.Equal(["a", "c"], vote.Won);
        Assert.Equal(["b"], vote.Lost);
        Assert.Null(vote.Inconclusive);
        Assert.Equal(1f, vote.Accepted![0], 5);
    }

    [Fact]
    public void Without_a_strict_majority_nothing_is_accepted_and_nobody_loses()
    {
        var vote = ReplicaVote.Vote([new("a", [1f]), new("b", [2f]), new("c", [float.NaN])]);

        Assert.Null(vote.Accepted);
        Assert.Empty(vote.Lost);
        Assert.Contains("no majority among 3", vote.Inconclusive, StringComparison.Ordinal);

        var tie = ReplicaVote.Vote([new("a", [1f]), new("b", [2f])]);
        Assert.Null(tie.Accepted);
    }

    [Fact]
    public void Two_non_finite_updates_never_agree_with_each_other()
    {
        var vote = ReplicaVote.Vote([new("a", [float.NaN]), new("b", [float.NaN]), new("c", [1f])]);

        Assert.Null(vote.Accepted);
        Assert.False(ReplicaVote.Agree([1f, 2f], [1f]));
        Assert.True(ReplicaVote.Agree([0f, 0f], [0f, 0f]));
    }
}
