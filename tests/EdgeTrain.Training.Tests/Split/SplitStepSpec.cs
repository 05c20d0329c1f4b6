using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;
using EdgeTrain.Training.Split;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Tests.Split;

/// <summary>
/// A step of a split model — the data node's layers, the activations and gradients crossing as float arrays, the
/// split-server's layers — computes the gradients and the loss of an ordinary step of the whole model, with the loss on
/// the server and in the U-shape, wherever the cut is.
/// </summary>
public sealed class SplitStepSpec
{
    [Theory]
    [InlineData(ModelKind.Cnn, "conv1", SplitLabels.Server)]
    [InlineData(ModelKind.Cnn, "conv2", SplitLabels.Server)]
    [InlineData(ModelKind.Cnn, "conv2", SplitLabels.Client)]
    [InlineData(ModelKind.Cnn, "fc1", SplitLabels.Server)]
    [InlineData(ModelKind.Mlp, "fc1", SplitLabels.Client)]
    [InlineData(ModelKind.Mlp, "fc2", SplitLabels.Server)]
    public void A_split_step_gives_the_gradients_of_the_whole_model(ModelKind kind, string cut, SplitLabels labels)
    {
        var whole = kind == ModelKind.Cnn ? new ModelSpec(ModelKind.Cnn, [32, 16], [4, 8], 0) : new ModelSpec(ModelKind.Mlp, [64, 32], [], 0);
        var spec = whole with { Split = new SplitSpec(cut, labels, new CodecSpec(CodecKind.None)) };
        var layout = SplitLayout.Of(spec);
        var random = new Random(7);
        float[] pixels = [.. Enumerable.Range(0, 16 * 784).Select(_ => random.NextSingle())];
        long[] classes = [.. Enumerable.Range(0, 16).Select(_ => (long)random.Next(10))];
        using var inputs = tensor(pixels, [16, 784]);
        using var targets = tensor(classes);
        using var rows = arange(16, ScalarType.Int64);

        // the whole model
        using var model = ModelFactory.Create(whole, seed: 3);
        var view = new FlatParameterView(model);
        var values = view.ToArray();
        model.train();
        float wholeLoss;
        using (var scope = NewDisposeScope())
        {
            var loss = nn.functional.cross_entropy(model.forward(inputs), targets);
            loss.backward();
            wholeLoss = loss.item<float>();
        }

        var expected = new float[view.TotalFloats];
        view.CopyGradientsTo(expected);

        // the same values, split
        using var client = new SplitClient(layout, CPU);
        using var server = new SplitServer(layout, CPU);
        var clientView = new FlatParameterView(client.Module);
        var serverView = new FlatParameterView(server.Module);
        Assert.Equal(layout.Bottom.Length + layout.Top.Length, clientView.TotalFloats);
        Assert.Equal(layout.Server.Length, serverView.TotalFloats);
        clientView.CopyFrom([.. values.AsSpan(layout.Bottom.Offset, layout.Bottom.Length), .. values.AsSpan(layout.Top.Offset, layout.Top.Length)]);
        serverView.CopyFrom(values.AsSpan(layout.Server.Offset, layout.Server.Length));

        var activations = client.Begin(inputs, targets, rows);
        Assert.Equal(16 * layout.CutWidth, activations.Length);
        float splitLoss;
        float[] gradient;
        if (labels == SplitLabels.Server)
        {
            (gradient, splitLoss) = server.Step(activations, 16, client.Labels());
        }
        else
        {
            var hidden = server.Forward(activations, 16);
            Assert.Equal(16 * layout.TopWidth, hidden.Length);
            (var hiddenGradient, splitLoss) = client.Head(hidden);
            gradient = server.Backward(hiddenGradient);
        }

        client.End(gradient);
        Assert.False(client.Pending);
        Assert.False(server.Pending);

        var clientGradients = new float[clientView.TotalFloats];
        clientView.CopyGradientsTo(clientGradients);
        var serverGradients = new float[serverView.TotalFloats];
        serverView.CopyGradientsTo(serverGradients);
        float[] split = [.. clientGradients.AsSpan(0, layout.Bottom.Length), .. serverGradients, .. clientGradients.AsSpan(layout.Bottom.Length)];
        Assert.Equal(wholeLoss, splitLoss, 5);
        var worst = expected.Zip(split, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 1e-5, $"largest difference {worst}");
        Assert.Contains(split.AsSpan(0, layout.Bottom.Length).ToArray(), g => Math.Abs(g) > 1e-5);
    }

    [Fact]
    public void Activations_of_the_wrong_shape_are_refused_with_what_was_expected()
    {
        var spec = new ModelSpec(ModelKind.Mlp, [8, 4], [], 0) { Split = new SplitSpec("fc1", SplitLabels.Server, new CodecSpec(CodecKind.None)) };
        using var server = new SplitServer(SplitLayout.Of(spec), CPU);

        var refused = Assert.Throws<ArgumentException>(() => server.Step(new float[15], 2, [1, 2]));

        Assert.Contains("expected 2 samples of [8] (16 floats), found 15", refused.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => server.Step(new float[16], 2, [1, 12]));
    }
}
