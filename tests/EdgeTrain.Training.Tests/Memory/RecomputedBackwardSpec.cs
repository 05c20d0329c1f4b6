using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Local;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Tests.Memory;

/// <summary>
/// Activation recomputation gives the gradients and the loss of an ordinary step, dropout included. Dropout
/// draws from libtorch's global generator, which tests running beside this one would draw from too: the
/// class runs alone.
/// </summary>
[Collection(GlobalGenerator.Name)]
public sealed class RecomputedBackwardSpec
{
    [Theory]
    [InlineData(ModelKind.Mlp)]
    [InlineData(ModelKind.Cnn)]
    public void Recomputed_gradients_are_those_of_an_ordinary_backward_pass(ModelKind kind)
    {
        var spec = kind == ModelKind.Mlp ? new ModelSpec(ModelKind.Mlp, [64, 32], [], 0) : new ModelSpec(ModelKind.Cnn, [32], [8, 16], 0.25);
        var (plainLoss, plain) = Gradients(spec, recompute: false);
        var (recomputedLoss, recomputed) = Gradients(spec, recompute: true);

        Assert.Equal(plainLoss, recomputedLoss, 5);
        Assert.Equal(plain.Length, recomputed.Length);
        var worst = plain.Zip(recomputed, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 1e-5, $"largest difference {worst}");
        Assert.Contains(plain, g => Math.Abs(g) > 1e-4);
    }

    [Fact]
    public void A_model_without_segments_is_refused()
    {
        using var linear = nn.Linear(4, 2);
        using var optimizer = optim.SGD(linear.parameters(), 0.1);

        var refused = Assert.Throws<ArgumentException>(() => new TrainingStep(linear, optimizer, recompute: true));

        Assert.Contains("cannot recompute", refused.Message, StringComparison.Ordinal);
    }

    private static (float Loss, float[] Gradients) Gradients(ModelSpec spec, bool recompute)
    {
        using var model = ModelFactory.Create(spec, seed: 3);
        using var optimizer = OptimizerFactory.Create(new OptimizerSpec(OptimizerKind.Sgd, 0.1, 0, 0), model);
        var step = new TrainingStep(model, optimizer, recompute: recompute);
        random.manual_seed(11);
        using var inputs = rand(16, 784);
        using var targets = randint(0, 10, [16], ScalarType.Int64);
        using var rows = arange(16, ScalarType.Int64);
        random.manual_seed(5); // the same dropout masks in both runs
        var loss = step.Gradients(inputs, targets, rows);
        var view = new FlatParameterView(model);
        var gradients = new float[view.TotalFloats];
        view.CopyGradientsTo(gradients);
        return (loss, gradients);
    }
}

/// <summary>Tests that depend on libtorch's global generator between seeding it and using it: run alone, never beside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalGenerator
{
    public const string Name = "libtorch's global generator";
}
