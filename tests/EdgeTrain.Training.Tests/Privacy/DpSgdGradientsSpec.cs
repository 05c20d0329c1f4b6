using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Privacy;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Tests.Privacy;

/// <summary>DP-SGD's hand-made per-example gradients against autograd, one example at a time.</summary>
public sealed class DpSgdGradientsSpec
{
    private static MlpModel Mlp() => (MlpModel)ModelFactory.Create(new ModelSpec(ModelKind.Mlp, [16, 8], [], 0), 3);

    private static (Tensor Inputs, Tensor Targets) Batch(int size)
    {
        var generator = new Generator(11);
        return (rand([size, 1, 28, 28], generator: generator), randint(0, 10, [size], generator: generator));
    }

    private static float[] Gradients(MlpModel model) => [.. model.parameters().SelectMany(p => p.grad!.data<float>().ToArray())];

    // what DP-SGD computes without noise, the slow way: autograd on each example alone, clipped, averaged
    private static float[] ClippedMeanByAutograd(MlpModel model, Tensor inputs, Tensor targets, double clip)
    {
        var batch = (int)inputs.shape[0];
        float[]? sum = null;
        for (var i = 0; i < batch; i++)
        {
            model.zero_grad();
            nn.functional.cross_entropy(model.forward(inputs[i..(i + 1)]), targets[i..(i + 1)]).backward();
            var g = Gradients(model);
            var norm = Math.Sqrt(g.Sum(v => (double)v * v));
            var factor = (float)Math.Min(1, clip / norm);
            sum ??= new float[g.Length];
            for (var k = 0; k < g.Length; k++)
            {
                sum[k] += g[k] * factor / batch;
            }
        }

        return sum!;
    }

    [Theory]
    [InlineData(1e6)] // no example clipped: the plain mean gradient
    [InlineData(0.05)] // every example clipped
    public void Without_noise_it_is_the_mean_of_the_per_example_gradients_each_clipped_to_C(double clip)
    {
        using var model = Mlp();
        var (inputs, targets) = Batch(12);
        var expected = ClippedMeanByAutograd(model, inputs, targets, clip);

        model.zero_grad();
        var dp = new DpSgdGradients(model, clip, noiseMultiplier: 0);
        var loss = dp.Backward(inputs, targets);
        var actual = Gradients(model);

        Assert.Equal(expected.Length, actual.Length);
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.True(Math.Abs(expected[k] - actual[k]) < 1e-5 + (1e-3 * Math.Abs(expected[k])), $"coordinate {k}: {expected[k]} by autograd, {actual[k]} by DP-SGD");
        }

        Assert.Equal(clip < 1 ? 12 : 0, dp.LastClipped);
        Assert.Equal(nn.functional.cross_entropy(model.forward(inputs), targets).item<float>(), loss.item<float>(), 4);
    }

    [Fact]
    public void The_noise_on_each_coordinate_has_standard_deviation_sigma_C_over_the_batch()
    {
        using var model = Mlp();
        var (inputs, targets) = Batch(8);
        var dp0 = new DpSgdGradients(model, 0.1, noiseMultiplier: 0);
        dp0.Backward(inputs, targets);
        var clean = Gradients(model);

        var dp = new DpSgdGradients(model, 0.1, noiseMultiplier: 2.0);
        dp.Backward(inputs, targets);
        var noisy = Gradients(model);

        var differences = clean.Zip(noisy, (a, b) => (double)(b - a)).ToArray();
        var mean = differences.Average();
        var std = Math.Sqrt(differences.Select(d => (d - mean) * (d - mean)).Average());
        Assert.InRange(std, 0.95 * 2.0 * 0.1 / 8, 1.05 * 2.0 * 0.1 / 8); // 12,8xx coordinates: within 5 %
        Assert.InRange(mean, -0.002, 0.002);
    }
}
