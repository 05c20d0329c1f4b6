using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Actors.Tests.Jobs;

/// <summary>A job file's <c>model.split</c> block: where the model is cut, where the loss is, and what a split job cannot run beside.</summary>
public sealed class JobSpecReaderSplitSpec
{
    private static readonly string Cnn = TinyJobFile.Minimal.Replace("model.type = mlp", "model.type = cnn", StringComparison.Ordinal);

    [Fact]
    public void A_split_reads_its_cut_its_labels_and_its_codec()
    {
        Assert.Null(TinyJobFile.Parse(Cnn, "").Model.Split);
        Assert.Equal(new SplitSpec("conv2", SplitLabels.Server, new CodecSpec(CodecKind.None)), TinyJobFile.Parse(Cnn, "model.split.cut-after = conv2").Model.Split);
        var split = TinyJobFile.Parse(Cnn, "model.split { cut-after = conv1, labels = client, codec { type = int8, block-size = 64 } }").Model.Split;
        Assert.Equal(new SplitSpec("conv1", SplitLabels.Client, new CodecSpec(CodecKind.Int8, BlockSize: 64)), split);
        Assert.Equal("fc1", TinyJobFile.Parse(TinyJobFile.Minimal, "model.hidden = [64, 32]\nmodel.split { cut-after = fc1, labels = client }").Model.Split!.CutAfter);
    }

    [Theory]
    [InlineData("model.split.cut-after = out", "job.model.split.cut-after", "expected one of conv1, conv2, fc1 for this cnn with labels = server, found 'out'")]
    [InlineData("model.split { cut-after = fc1, labels = client }", "job.model.split.cut-after", "expected one of conv1, conv2 for this cnn with labels = client")]
    [InlineData("model.split { cut-after = conv2, labels = device }", "job.model.split.labels", "expected one of server, client")]
    [InlineData("model.split.labels = client", "job.model.split.labels", "expected only with model.split.cut-after")]
    [InlineData("model.split { cut-after = conv2, codec.type = topk }", "job.model.split.codec.type", "activations are dense")]
    [InlineData("model.split.cut-after = conv2\ndata.placement = shared", "job.model.split.cut-after", "expected data.placement = local")]
    [InlineData("model.split.cut-after = conv2\nmemory.recompute = on", "job.memory.recompute", "expected off with a split job")]
    public void What_a_split_cannot_be_is_refused_with_the_reason(string extra, string key, string problem)
    {
        var refused = TinyJobFile.Refused(Cnn, extra);

        Assert.Equal(key, refused.Key);
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_split_job_has_no_privacy_block()
    {
        var inRounds = TinyJobFile.InRounds.Replace("model.type = mlp", "model.type = cnn", StringComparison.Ordinal);

        var refused = TinyJobFile.Refused(inRounds, "model.split.cut-after = conv2\nprivacy.secure-aggregation = on");

        Assert.Equal("job.model.split.cut-after", refused.Key);
        Assert.Contains("expected no privacy block with a split job", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_too_small_to_split_in_the_u_shape_says_so()
    {
        var refused = TinyJobFile.Refused(TinyJobFile.Minimal, "model.split { cut-after = fc1, labels = client }");

        Assert.Contains("expected one of (none: this model has too few layers to split with labels = client) for this mlp", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_split_job_reads()
    {
        var spec = EdgeTrain.Actors.Jobs.JobSpecReader.Load(Path.Combine(EdgeTrain.Tests.RepoPaths.Root, "hocon", "jobs", "mnist-cnn-split.conf"));

        Assert.Equal(new SplitSpec("conv2", SplitLabels.Server, new CodecSpec(CodecKind.Fp16)), spec.Model.Split);
    }
}
