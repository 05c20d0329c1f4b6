using EdgeTrain.Core.Aggregation.Robust;

namespace EdgeTrain.Core.Tests.Aggregation.Robust;

public sealed class RobustMergeSpec
{
    private static RoundContribution C(string source, double weight, params float[] values) => new(source, values, weight);

    // eight honest updates near (1, 2, 3, 4) and two attackers sending -10 times that
    private static List<RoundContribution> HonestAndAttackers(int attackers = 2)
    {
        var random = new Random(7);
        var round = new List<RoundContribution>();
        for (var i = 0; i < 10 - attackers; i++)
        {
            round.Add(C($"honest-{i}", 64, [.. new[] { 1f, 2f, 3f, 4f }.Select(v => v + (float)((random.NextDouble() - 0.5) * 0.2))]));
        }

        for (var i = 0; i < attackers; i++)
        {
            round.Add(C($"attacker-{i}", 64, -10f, -20f, -30f, -40f));
        }

        return round;
    }

    private static double DistanceTo(float[] merged, params float[] target) =>
        Math.Sqrt(merged.Zip(target, (a, b) => (double)(a - b) * (a - b)).Sum());

    [Fact]
    public void The_mean_weighs_by_samples_and_keeps_everyone()
    {
        var result = RobustMerge.Merge([C("a", 1, 0f, 4f), C("b", 3, 4f, 0f)], AggregationRule.Mean);

        Assert.Equal([3f, 1f], result.Merged);
        Assert.All(result.Verdicts, v => Assert.True(v.Included));
    }

    [Fact]
    public void The_median_is_the_middle_value_per_coordinate_or_the_mean_of_the_middle_two()
    {
        var odd = RobustMerge.Merge([C("a", 1, 1f, 9f), C("b", 1, 5f, 1f), C("c", 100, 3f, 5f)], new AggregationRule(AggregationRuleKind.Median));
        var even = RobustMerge.Merge([C("a", 1, 1f), C("b", 1, 2f), C("c", 1, 6f), C("d", 1, 100f)], new AggregationRule(AggregationRuleKind.Median));

        Assert.Equal([3f, 5f], odd.Merged); // unweighted: c's 100 samples do not decide it
        Assert.Equal([4f], even.Merged);
    }

    [Fact]
    public void The_trimmed_mean_drops_beta_n_values_per_side_in_each_coordinate()
    {
        var round = Enumerable.Range(1, 10).Select(i => C($"n{i}", 1, i, -i)).ToList();

        var result = RobustMerge.Merge(round, new AggregationRule(AggregationRuleKind.TrimmedMean, Beta: 0.2));

        // 2 dropped per side: 3..8 in the first coordinate, −8..−3 in the second
        Assert.Equal([5.5f, -5.5f], result.Merged);
        Assert.Equal(0, result.Verdicts[0].KeptFraction); // 1 and −1: the smallest and the largest
        Assert.Equal(1, result.Verdicts[4].KeptFraction);
    }

    [Theory]
    [InlineData(AggregationRuleKind.Median)]
    [InlineData(AggregationRuleKind.TrimmedMean)]
    [InlineData(AggregationRuleKind.MultiKrum)]
    [InlineData(AggregationRuleKind.CenteredClip)]
    public void A_robust_rule_stays_with_the_honest_majority_and_leaves_the_attackers_out(AggregationRuleKind kind)
    {
        var round = HonestAndAttackers();
        var rule = new AggregationRule(kind, Beta: 0.2, F: 2, Tau: 1.0, Iterations: 5);

        var robust = RobustMerge.Merge(round, rule);
        var mean = RobustMerge.Merge(round, AggregationRule.Mean);

        Assert.True(DistanceTo(mean.Merged, 1, 2, 3, 4) > 10, "the mean is dragged away");
        Assert.True(DistanceTo(robust.Merged, 1, 2, 3, 4) < 1, $"{kind}: {string.Join(", ", robust.Merged)}");
        Assert.All(robust.Verdicts.Where(v => v.Source.StartsWith("attacker", StringComparison.Ordinal)), v =>
        {
            Assert.False(v.Included);
            Assert.False(string.IsNullOrEmpty(v.Reason));
        });
        Assert.All(robust.Verdicts.Where(v => v.Source.StartsWith("honest", StringComparison.Ordinal)), v => Assert.True(v.Included, v.Reason));
    }

    [Fact]
    public void Multi_krum_averages_the_m_best_scored_and_needs_two_f_plus_three()
    {
        var round = HonestAndAttackers();

        var result = RobustMerge.Merge(round, new AggregationRule(AggregationRuleKind.MultiKrum, F: 2, M: 3));

        Assert.Equal(3, result.Verdicts.Count(v => v.Included));
        Assert.All(result.Verdicts.Where(v => v.Included), v => Assert.StartsWith("honest", v.Source, StringComparison.Ordinal));
        var refused = Assert.Throws<ArgumentException>(() => RobustMerge.Merge([.. round.Take(6)], new AggregationRule(AggregationRuleKind.MultiKrum, F: 2)));
        Assert.Contains("n ≥ 2f + 3 = 7", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_krum_counts_against_a_node_only_an_outlier_not_an_honest_update_it_merely_did_not_select()
    {
        var round = HonestAndAttackers();

        var result = RobustMerge.Merge(round, new AggregationRule(AggregationRuleKind.MultiKrum, F: 2, M: 3));
        var honestOnly = RobustMerge.Merge([.. round.Where(c => c.Source.StartsWith("honest", StringComparison.Ordinal))], new AggregationRule(AggregationRuleKind.MultiKrum, F: 1, M: 2));

        Assert.All(result.Verdicts.Where(v => v.Source.StartsWith("attacker", StringComparison.Ordinal)), v => Assert.True(v.Outlier, v.Reason));
        Assert.All(result.Verdicts.Where(v => v.Source.StartsWith("honest", StringComparison.Ordinal)), v => Assert.False(v.Outlier, v.Reason));
        Assert.Contains(honestOnly.Verdicts, v => !v.Included);
        Assert.All(honestOnly.Verdicts, v => Assert.False(v.Outlier, v.Reason));
    }

    [Fact]
    public void Centered_clipping_with_a_large_tau_is_the_weighted_mean()
    {
        var round = new List<RoundContribution> { C("a", 1, 0f, 0f), C("b", 1, 2f, 2f), C("c", 2, 10f, 4f) };

        var result = RobustMerge.Merge(round, new AggregationRule(AggregationRuleKind.CenteredClip, Tau: 1e9, Iterations: 1));

        Assert.Equal(5.5f, result.Merged[0], 4);
        Assert.Equal(2.5f, result.Merged[1], 4);
    }

    [Fact]
    public void Norm_clipping_bounds_each_contribution_absolutely_or_against_the_median_norm()
    {
        var round = new List<RoundContribution> { C("small", 1, 3f, 4f), C("mid", 1, 6f, 8f), C("big", 1, 30f, 40f) };

        var absolute = RobustMerge.Merge(round, new AggregationRule(AggregationRuleKind.Mean, Clip: ClipNormKind.Absolute, ClipNorm: 5));
        var relative = RobustMerge.Merge(round, new AggregationRule(AggregationRuleKind.Mean, Clip: ClipNormKind.RelativeToMedian, ClipNorm: 2));

        Assert.Equal([1.0, 0.5, 0.1], absolute.Verdicts.Select(v => Math.Round(v.ClipFactor, 6)));
        Assert.Equal(3f, absolute.Merged[0], 4); // every one clipped to (3, 4)
        Assert.Equal([1.0, 1.0, 0.4], relative.Verdicts.Select(v => Math.Round(v.ClipFactor, 6))); // bound 2 × 10
        Assert.Equal(40f, round[2].Values[1]); // the input is not changed
    }

    [Fact]
    public void A_round_that_cannot_be_merged_is_refused_with_the_reason()
    {
        Assert.Contains("not finite", Assert.Throws<ArgumentException>(() => RobustMerge.Merge([C("a", 1, float.NaN)], AggregationRule.Mean)).Message, StringComparison.Ordinal);
        Assert.Contains("b sent 2 values", Assert.Throws<ArgumentException>(() => RobustMerge.Merge([C("a", 1, 1f), C("b", 1, 1f, 2f)], AggregationRule.Mean)).Message, StringComparison.Ordinal);
        Assert.Contains("weight 0", Assert.Throws<ArgumentException>(() => RobustMerge.Merge([C("a", 0, 1f)], AggregationRule.Mean)).Message, StringComparison.Ordinal);
        Assert.Contains("beta < 0.5", Assert.Throws<ArgumentException>(() => RobustMerge.Merge([C("a", 1, 1f)], new AggregationRule(AggregationRuleKind.TrimmedMean, Beta: 0.5))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RobustMerge.Merge([], AggregationRule.Mean));
    }

    [Fact]
    public void A_rule_says_which_rounds_it_cannot_work_on()
    {
        Assert.Null(new AggregationRule(AggregationRuleKind.MultiKrum, F: 1).ProblemWith(5));
        Assert.Contains("n ≥ 2f + 3 = 5", new AggregationRule(AggregationRuleKind.MultiKrum, F: 1).ProblemWith(4), StringComparison.Ordinal);
        Assert.Contains("at least 5 trainers", new AggregationRule(AggregationRuleKind.TrimmedMean, Beta: 0.2).ProblemWith(3), StringComparison.Ordinal);
        Assert.Null(AggregationRule.Mean.ProblemWith(1));
        Assert.False(AggregationRule.Mean.NeedsRounds);
        Assert.True(new AggregationRule(AggregationRuleKind.Mean, Clip: ClipNormKind.Absolute, ClipNorm: 1).NeedsRounds);
    }

    [Fact]
    public void The_same_round_gives_the_same_result()
    {
        var round = HonestAndAttackers();
        var rule = new AggregationRule(AggregationRuleKind.TrimmedMean, Beta: 0.2);

        Assert.Equal(RobustMerge.Merge(round, rule).Merged, RobustMerge.Merge(round, rule).Merged);
    }

    [Fact]
    public void The_norm_floor_leaves_out_free_riders_that_multi_krum_would_keep()
    {
        // seven honest updates near (1, 2, 3, 4), three free riders sending nothing
        var round = HonestAndAttackers(attackers: 3).Take(7).Concat(Enumerable.Range(0, 3).Select(i => C($"rider-{i}", 64, 0f, 0f, 0f, 0f))).ToList();
        var krum = new AggregationRule(AggregationRuleKind.MultiKrum, F: 2);

        var without = RobustMerge.Merge(round, krum);
        var with = RobustMerge.Merge(round, krum with { MinNormRatio = 0.1 });

        Assert.Contains(without.Verdicts, v => v.Source.StartsWith("rider", StringComparison.Ordinal) && v.Included);
        Assert.All(with.Verdicts.Where(v => v.Source.StartsWith("rider", StringComparison.Ordinal)), v =>
        {
            Assert.False(v.Included);
            Assert.True(v.Outlier);
            Assert.Contains("too small to be work", v.Reason, StringComparison.Ordinal);
        });
        Assert.True(DistanceTo(with.Merged, 1, 2, 3, 4) < 0.2);
        Assert.Equal(5, with.Verdicts.Count(v => v.Included)); // krum on the seven left: n − f of them
    }

    [Fact]
    public void The_norm_floor_gives_way_when_too_few_would_be_left_for_the_rule()
    {
        var round = new List<RoundContribution> { C("a", 1, 1f), C("b", 1, 1.1f), C("c", 1, 0f), C("d", 1, 0f), C("e", 1, 0.9f) };

        var median = RobustMerge.Merge(round, new AggregationRule(AggregationRuleKind.Median, MinNormRatio: 0.5));
        var mean = RobustMerge.Merge(round, new AggregationRule(AggregationRuleKind.Mean, MinNormRatio: 0.5));

        Assert.Equal([1f], median.Merged); // the median of the three left (the median needs three)
        Assert.Equal([1f], mean.Merged, (x, y) => Math.Abs(x - y) < 1e-6);
        Assert.Equal(2, mean.Verdicts.Count(v => !v.Included));
        var krum = RobustMerge.Merge(round, new AggregationRule(AggregationRuleKind.MultiKrum, F: 1, MinNormRatio: 0.5));
        Assert.Equal(4, krum.Verdicts.Count(v => v.Included)); // krum needs five: the floor does not apply
        Assert.Contains("min-norm", new AggregationRule(AggregationRuleKind.Mean, MinNormRatio: 1).Problem(), StringComparison.Ordinal);
        Assert.True(new AggregationRule(AggregationRuleKind.Mean, MinNormRatio: 0.1).NeedsRounds);
    }
}
