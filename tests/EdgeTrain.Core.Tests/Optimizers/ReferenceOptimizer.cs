using EdgeTrain.Core.Optimizers;

namespace EdgeTrain.Core.Tests.Optimizers;

/// <summary>
/// One element at a time, in double, with the hyper-parameters as a user writes them (0.9, not
/// 0.9f): the rules of torch.optim.SGD(nesterov=True) and torch.optim.Adam written out plainly.
/// </summary>
internal sealed class ReferenceOptimizer(ShardOptimizerKind kind, int length, double lr, double momentum, double beta1, double beta2, double eps, double wd)
{
    private readonly double[] first = new double[length];
    private readonly double[] second = new double[length];
    private long steps;

    public void Apply(double[] p, float[] update)
    {
        steps++;
        for (var i = 0; i < p.Length; i++)
        {
            var g = update[i] + (wd * p[i]);
            switch (kind)
            {
                case ShardOptimizerKind.Sgd:
                    p[i] -= lr * g;
                    break;
                case ShardOptimizerKind.Nesterov:
                    first[i] = steps == 1 ? g : (momentum * first[i]) + g;
                    p[i] -= lr * (g + (momentum * first[i]));
                    break;
                case ShardOptimizerKind.Adam:
                    first[i] = (beta1 * first[i]) + ((1 - beta1) * g);
                    second[i] = (beta2 * second[i]) + ((1 - beta2) * g * g);
                    var mHat = first[i] / (1 - Math.Pow(beta1, steps));
                    var vHat = second[i] / (1 - Math.Pow(beta2, steps));
                    p[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind));
            }
        }
    }
}
