using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core;
using EdgeTrain.Core.Aggregation.Robust;
using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Actors.Tests.Jobs;

/// <summary>The merge rule of a job file: <c>aggregation.rule</c>, its parameters and the combinations that cannot work.</summary>
public sealed class JobSpecReaderRuleSpec
{
    private static JobSpec Parse(string extra) => TinyJobFile.Parse(TinyJobFile.InRounds, extra);

    private static InvalidInputException Refused(string extra) => TinyJobFile.Refused(TinyJobFile.InRounds, extra);

    [Fact]
    public void A_job_without_a_rule_merges_by_the_plain_mean()
    {
        var spec = Parse("");

        Assert.Null(spec.Wire.Rule);
        Assert.Equal(AggregationRule.Mean, spec.Wire.MergeRule);
    }

    [Fact]
    public void Each_rule_reads_its_own_parameters()
    {
        Assert.Equal(new AggregationRule(AggregationRuleKind.TrimmedMean, Beta: 0.2), Parse("aggregation { rule = trimmed-mean, beta = 0.2 }").Wire.Rule);
        Assert.Equal(new AggregationRule(AggregationRuleKind.MultiKrum, F: 1, M: 2), Parse("aggregation { rule = multi-krum, f = 1, m = 2 }").Wire.Rule);
        Assert.Equal(new AggregationRule(AggregationRuleKind.CenteredClip, Tau: 0.5, Iterations: 5), Parse("aggregation { rule = centered-clip, tau = 0.5, iterations = 5 }").Wire.Rule);
        Assert.Equal(AggregationRuleKind.Median, Parse("aggregation.rule = median").Wire.Rule!.Kind);
    }

    [Fact]
    public void Norm_clipping_is_absolute_or_a_multiple_of_the_median_and_makes_even_the_mean_work_in_rounds()
    {
        var absolute = Parse("aggregation.clip-norm = 2.5").Wire.Rule!;
        var relative = Parse("aggregation.clip-norm = 3x-median").Wire.Rule!;

        Assert.Equal((AggregationRuleKind.Mean, ClipNormKind.Absolute, 2.5), (absolute.Kind, absolute.Clip, absolute.ClipNorm));
        Assert.Equal((ClipNormKind.RelativeToMedian, 3.0), (relative.Clip, relative.ClipNorm));
        Assert.True(absolute.NeedsRounds);
    }

    [Fact]
    public void The_norm_floor_is_a_fraction_of_the_round_median_norm()
    {
        Assert.Equal(0.1, Parse("aggregation.min-norm = 0.1x-median").Wire.Rule!.MinNormRatio);
        Assert.True(Parse("aggregation.min-norm = 0.1x-median").Wire.Rule!.NeedsRounds);
        Assert.Null(Parse("aggregation.min-norm = off").Wire.Rule);
    }

    [Fact]
    public void A_robust_rule_needs_one_round_of_every_trainer()
    {
        var hocon = TinyJobFile.InRounds.Replace("merge-count = trainers", "merge-count = node", StringComparison.Ordinal)
            .Replace("batch-size = 32", "batch-size = 32\n aggregation.rule = median", StringComparison.Ordinal);

        var refused = Assert.Throws<InvalidInputException>(() => JobSpecReader.Parse(hocon, "jobs/tiny.conf", "/base"));

        Assert.Equal("job.aggregation.merge-count", refused.Key);
        Assert.Contains("expected trainers with aggregation.rule = median", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aggregation.rule = average", "job.aggregation.rule", "expected one of mean, trimmed-mean, median, multi-krum, centered-clip")]
    [InlineData("aggregation { rule = median, beta = 0.2 }", "job.aggregation.beta", "only with aggregation.rule = trimmed-mean")]
    [InlineData("aggregation { rule = trimmed-mean, f = 2 }", "job.aggregation.f", "only with aggregation.rule = multi-krum")]
    [InlineData("aggregation { rule = trimmed-mean, beta = 0.5 }", "job.aggregation.beta", "below 0.5")]
    [InlineData("aggregation { rule = centered-clip, tau = 0 }", "job.aggregation.tau", "above 0")]
    [InlineData("aggregation.clip-norm = big", "job.aggregation.clip-norm", "3x-median")]
    [InlineData("aggregation.clip-norm = -1", "job.aggregation.clip-norm", "found '-1'")]
    [InlineData("aggregation.min-norm = 0.1", "job.aggregation.min-norm", "such as 0.1x-median, found '0.1'")]
    [InlineData("aggregation.min-norm = 1x-median", "job.aggregation.min-norm", "found '1x-median'")]
    [InlineData("aggregation { rule = multi-krum, f = 2 }", "job.min-trainers", "n ≥ 2f + 3 = 7 trainers per round")]
    [InlineData("aggregation { rule = trimmed-mean, beta = 0.1 }", "job.min-trainers", "at least 10 trainers per round")]
    public void A_rule_that_cannot_work_is_refused_with_the_reason(string extra, string key, string problem)
    {
        var refused = Refused(extra);

        Assert.Equal(key, refused.Key);
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
    }
}
