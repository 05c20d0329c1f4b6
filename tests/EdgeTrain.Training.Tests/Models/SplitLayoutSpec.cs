using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Models;

namespace EdgeTrain.Training.Tests.Models;

public sealed class SplitLayoutSpec
{
    private static readonly ModelSpec Cnn = new(ModelKind.Cnn, [128], [32, 64], 0.25);

    [Fact]
    public void The_shipped_cnn_cut_after_its_convolutions_keeps_them_on_the_data_nodes_and_the_dense_layers_on_the_server()
    {
        var layout = SplitLayout.Of(Cnn with { Split = new SplitSpec("conv2", SplitLabels.Server, new CodecSpec(CodecKind.Fp16)) });

        Assert.Equal(["conv1", "conv2", "fc1", "out"], layout.Layers);
        Assert.Equal(new FloatRange(0, (32 * 9) + 32 + (64 * 32 * 9) + 64), layout.Bottom);
        Assert.Equal((9216 * 128) + 128 + (128 * 10) + 10, layout.Server.Length);
        Assert.Equal(0, layout.Top.Length);
        Assert.Equal([9216L], layout.CutShape);
        // slices never hold floats of both sides
        Assert.Equal([18_816, 262_144, 262_144, 262_144, 262_144, 132_490], layout.SliceLengths(262_144));
        Assert.Equal([0], layout.ClientSlices(262_144));
        Assert.Equal([1, 2, 3, 4, 5], layout.ServerSlices(262_144));
        Assert.Equal(layout.SliceLengths(262_144), ModelLayout.Of(layout.Model).SliceLengths(262_144));
    }

    [Fact]
    public void The_u_shape_keeps_the_last_layer_on_the_data_nodes()
    {
        var layout = SplitLayout.Of(new ModelSpec(ModelKind.Mlp, [64, 32], [], 0) { Split = new SplitSpec("fc1", SplitLabels.Client, new CodecSpec(CodecKind.None)) });

        Assert.Equal(new FloatRange(0, (784 * 64) + 64), layout.Bottom);
        Assert.Equal(new FloatRange(layout.Bottom.Length, (64 * 32) + 32), layout.Server);
        Assert.Equal(new FloatRange(layout.Bottom.Length + layout.Server.Length, (32 * 10) + 10), layout.Top);
        Assert.Equal([32L], layout.TopShape);
        Assert.Equal([0, 2], layout.ClientSlices(1_000_000));
        Assert.Equal([1], layout.ServerSlices(1_000_000));
    }

    [Theory]
    [InlineData("out", SplitLabels.Server)]
    [InlineData("fc1", SplitLabels.Client)]
    [InlineData("conv3", SplitLabels.Server)]
    public void A_cut_that_leaves_the_server_no_layer_or_names_none_is_refused(string cut, SplitLabels labels)
    {
        var refused = Assert.Throws<ArgumentException>(() => SplitLayout.Of(Cnn with { Split = new SplitSpec(cut, labels, new CodecSpec(CodecKind.None)) }));

        Assert.Contains($"cannot cut a cnn after '{cut}'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("expected one of conv1, conv2", refused.Message, StringComparison.Ordinal);
    }
}
