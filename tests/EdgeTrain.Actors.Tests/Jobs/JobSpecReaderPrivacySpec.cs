using EdgeTrain.Core;
using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Actors.Tests.Jobs;

/// <summary>A job file's <c>privacy</c> block: differential privacy, secure aggregation, and the combinations refused with the reason.</summary>
public sealed class JobSpecReaderPrivacySpec
{
    private static JobSpec Parse(string extra, string? job = null) => TinyJobFile.Parse(job ?? TinyJobFile.InRounds, extra);

    private static InvalidInputException Refused(string extra, string? job = null) => TinyJobFile.Refused(job ?? TinyJobFile.InRounds, extra);

    [Fact]
    public void A_job_without_a_privacy_block_has_no_privacy()
    {
        Assert.Null(Parse("").Privacy);
        Assert.Null(Parse("privacy.mode = off").Privacy);
    }

    [Fact]
    public void Example_level_dp_reads_clip_noise_delta_and_target()
    {
        var privacy = Parse("privacy { mode = example, clip = 1.5, noise-multiplier = 1.1, delta = 1e-5, target-epsilon = 3 }").Privacy;

        Assert.Equal(new PrivacySpec(PrivacyMode.Example, 1.5, 1.1, 1e-5, 3, SecureAggregation: false), privacy);
        Assert.Equal(new PrivacySpec(PrivacyMode.Off, SecureAggregation: true), Parse("privacy.secure-aggregation = on").Privacy);
        Assert.Equal(0.25, Parse("privacy { secure-aggregation = on, secure-range = 0.25 }").Privacy!.SecureRange);
        Assert.True(Parse("memory.recompute = on").Recompute);
        Assert.False(Parse("").Recompute);
    }

    [Theory]
    [InlineData("privacy.mode = central", "job.privacy.mode", "expected one of off, example, client")]
    [InlineData("privacy.clip = 2", "job.privacy.clip", "only with privacy.mode = example or client")]
    [InlineData("privacy { mode = example, noise-multiplier = 0 }", "job.privacy.noise-multiplier", "above 0")]
    [InlineData("privacy { mode = example, delta = 1 }", "job.privacy.delta", "below 1")]
    [InlineData("privacy.secure-aggregation = on\ncodec.trainer-to-aggregator.type = topk", "job.privacy.secure-aggregation", "masked vectors must cover the same coordinates")]
    [InlineData("privacy.secure-aggregation = on\naggregation.rule = median", "job.privacy.secure-aggregation", "the aggregator sees only masked ones")]
    [InlineData("privacy.secure-aggregation = on\naggregation { rule = multi-krum, f = 1 }", "job.privacy.secure-aggregation", "found multi-krum")]
    [InlineData("privacy.secure-range = 0.5", "job.privacy.secure-range", "only with privacy.secure-aggregation = on")]
    [InlineData("privacy.mode = example\nmemory.recompute = on", "job.memory.recompute", "DP-SGD computes its own backward pass")]
    [InlineData("privacy { secure-aggregation = on, secure-range = 0 }", "job.privacy.secure-range", "above 0")]
    public void What_cannot_work_is_refused_with_the_reason(string extra, string key, string problem)
    {
        var refused = Refused(extra);

        Assert.Equal(key, refused.Key);
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Example_level_dp_needs_linear_layers_and_the_others_need_whole_rounds()
    {
        var cnn = Refused("privacy.mode = example", TinyJobFile.InRounds.Replace("model.type = mlp", "model.type = cnn", StringComparison.Ordinal));
        var asynchronous = TinyJobFile.InRounds.Replace("merge-count = trainers", "merge-count = node", StringComparison.Ordinal);

        Assert.Contains("expected model.type = mlp", cnn.Message, StringComparison.Ordinal);
        Assert.Contains("expected privacy.secure-aggregation = on with privacy.mode = client", Refused("privacy.mode = client").Message, StringComparison.Ordinal);
        Assert.Equal(PrivacyMode.Client, Parse("privacy { mode = client, clip = 0.1, noise-multiplier = 2, secure-aggregation = on }").Privacy!.Mode);
        Assert.Contains("replicas of a work unit", Refused("privacy.mode = example\ndata.placement = shared").Message, StringComparison.Ordinal);
        Assert.Equal("job.aggregation.merge-count", Refused("privacy.secure-aggregation = on", asynchronous).Key);
        Assert.Equal(PrivacyMode.Example, Parse("privacy.mode = example", asynchronous).Privacy!.Mode); // example-level DP works asynchronously
    }
}
