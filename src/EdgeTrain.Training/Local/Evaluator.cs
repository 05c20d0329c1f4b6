using EdgeTrain.Training.Data;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Local;

/// <summary>Scores a classifier on a held-out set: the share of images whose highest logit is the true digit.</summary>
public static class Evaluator
{
    private const int BatchSize = 1000;

    /// <summary>Test accuracy in [0, 1] of <paramref name="model"/> on <paramref name="set"/>.</summary>
    public static double Accuracy(Module<Tensor, Tensor> model, MnistSet set, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(set);
        model.eval();
        using var noGrad = no_grad();
        long correct = 0;
        for (var start = 0; start < set.Count; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(BatchSize, set.Count - start);
            var x = tensor(set.Images.AsSpan(start * MnistSet.Pixels, count * MnistSet.Pixels).ToArray(), [count, MnistSet.Pixels]).to(device);
            var y = tensor(set.Labels.AsSpan(start, count).ToArray(), ScalarType.Int64).to(device);
            correct += model.forward(x).argmax(1).eq(y).sum().item<long>();
        }

        return set.Count == 0 ? 0 : (double)correct / set.Count;
    }
}
