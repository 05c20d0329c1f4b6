using EdgeTrain.Core.Optimizers;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Tests.Optimizers;

public sealed class ShardOptimizerTorchSpec
{
    [Theory]
    [InlineData(ShardOptimizerKind.Nesterov, 0f)]
    [InlineData(ShardOptimizerKind.Nesterov, 0.01f)]
    [InlineData(ShardOptimizerKind.Adam, 0f)]
    [InlineData(ShardOptimizerKind.Adam, 0.01f)]
    public void Nesterov_and_Adam_match_torch_optim_step_for_step(ShardOptimizerKind kind, float weightDecay)
    {
        const int length = 1_003;
        var spec = new ShardOptimizerSpec(kind, kind == ShardOptimizerKind.Adam ? 0.01f : 0.05f, WeightDecay: weightDecay);
        var random = new Random(11);
        var parameters = Vector(random, length, 1f);
        using var weight = nn.Parameter(tensor(parameters));
        using optim.Optimizer optimizer = kind == ShardOptimizerKind.Adam
            ? optim.Adam([weight], lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: weightDecay)
            : optim.SGD([weight], learningRate: 0.05, momentum: 0.9, dampening: 0, weight_decay: weightDecay, nesterov: true);
        var state = new ShardOptimizerState(kind, length);

        for (var step = 1; step <= 8; step++)
        {
            var update = Vector(random, length, 0.5f);
            using (no_grad())
            {
                weight.grad = tensor(update);
            }

            optimizer.step();
            ShardOptimizer.Apply(spec, parameters, update, state);

            var expected = weight.data<float>().ToArray();
            for (var i = 0; i < length; i++)
            {
                var tolerance = 1e-6 + (1e-5 * Math.Abs(expected[i]));
                Assert.True(Math.Abs(expected[i] - parameters[i]) <= tolerance, $"{kind} step {step} element {i}: {parameters[i]} vs torch {expected[i]}");
            }
        }
    }

    private static float[] Vector(Random random, int length, float scale) =>
        Enumerable.Range(0, length).Select(_ => ((random.NextSingle() * 2) - 1) * scale).ToArray();
}
