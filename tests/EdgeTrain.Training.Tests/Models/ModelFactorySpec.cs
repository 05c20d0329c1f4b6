using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Tests.Models;

public sealed class ModelFactorySpec
{
    [Fact]
    public void The_default_mlp_has_784_256_10_parameters()
    {
        using var model = ModelFactory.Create(new ModelSpec(ModelKind.Mlp, [256], [], 0), seed: 1);

        var view = new FlatParameterView(model);

        Assert.Equal((784 * 256) + 256 + (256 * 10) + 10, view.TotalFloats);
        Assert.Equal(["layers.fc1.weight", "layers.fc1.bias", "layers.out.weight", "layers.out.bias"], view.Layout.Select(l => l.Name));
    }

    [Fact]
    public void The_cnn_matches_torchsharps_mnist_example()
    {
        using var model = ModelFactory.Create(new ModelSpec(ModelKind.Cnn, [128], [32, 64], 0.25), seed: 1);
        using var images = randn(5, 784);

        using var logits = model.forward(images);

        Assert.Equal([5L, 10L], logits.shape);
        var conv = (32 * 9) + 32 + (64 * 32 * 9) + 64;
        var dense = (9216 * 128) + 128 + (128 * 10) + 10;
        Assert.Equal(conv + dense, new FlatParameterView(model).TotalFloats);
    }

    [Fact]
    public void The_same_seed_makes_the_same_initial_parameters()
    {
        var spec = new ModelSpec(ModelKind.Mlp, [32], [], 0);
        using var a = ModelFactory.Create(spec, seed: 7);
        using var b = ModelFactory.Create(spec, seed: 7);
        using var c = ModelFactory.Create(spec, seed: 8);

        Assert.Equal(new FlatParameterView(a).ToArray(), new FlatParameterView(b).ToArray());
        Assert.NotEqual(new FlatParameterView(a).ToArray(), new FlatParameterView(c).ToArray());
    }
}
