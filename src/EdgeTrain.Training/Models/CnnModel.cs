using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Models;

/// <summary>
/// The small CNN of TorchSharp's MNIST example: two 3×3 convolutions with ReLU, 2×2 max-pool,
/// dropout, then Linear + ReLU layers and dropout before the class logits. Input: images of
/// 784 floats (reshaped to 1 × 28 × 28). Parameters, in order: <c>conv1.weight</c>,
/// <c>conv1.bias</c>, <c>conv2.weight</c>, <c>conv2.bias</c>, then the linear layers.
/// </summary>
public sealed class CnnModel : Module<Tensor, Tensor>, ISegmentedModel
{
    private readonly Module<Tensor, Tensor> features;
    private readonly Module<Tensor, Tensor> classifier;
    private readonly List<IReadOnlyList<Module<Tensor, Tensor>>> segments = [];

    /// <summary>Creates the CNN with the given convolution channels, hidden widths and dropout.</summary>
    public CnnModel(IReadOnlyList<int> convChannels, IReadOnlyList<int> hidden, double dropout, int classes)
        : base(nameof(CnnModel))
    {
        ArgumentNullException.ThrowIfNull(convChannels);
        ArgumentNullException.ThrowIfNull(hidden);
        if (convChannels.Count != 2)
        {
            throw new ArgumentException("the CNN has exactly two convolutions", nameof(convChannels));
        }

        (string Name, Module<Tensor, Tensor> Module)[] convolutions =
        [
            ("conv1", Conv2d(1, convChannels[0], 3)),
            ("relu1", ReLU()),
            ("conv2", Conv2d(convChannels[0], convChannels[1], 3)),
            ("relu2", ReLU()),
            ("pool", MaxPool2d(2)),
            ("drop", Dropout(dropout)),
            ("flatten", Flatten()),
        ];
        features = Sequential(convolutions);
        // recomputation keeps each segment's input: the first convolution's output, and the pooled features
        segments.Add([convolutions[0].Module, convolutions[1].Module]);
        segments.Add([.. convolutions.Skip(2).Select(c => c.Module)]);

        // 28 → 26 → 24 after the convolutions, 12 after pooling
        var width = convChannels[1] * 12 * 12;
        var modules = new List<(string, Module<Tensor, Tensor>)>();
        for (var i = 0; i < hidden.Count; i++)
        {
            Module<Tensor, Tensor>[] layer = [Linear(width, hidden[i]), ReLU(), Dropout(Math.Min(1.0, dropout * 2))];
            modules.Add(($"fc{i + 1}", layer[0]));
            modules.Add(($"relu{i + 1}", layer[1]));
            modules.Add(($"drop{i + 1}", layer[2]));
            segments.Add(layer);
            width = hidden[i];
        }

        var output = Linear(width, classes);
        modules.Add(("out", output));
        segments.Add([output]);
        classifier = Sequential(modules);
        RegisterComponents();
    }

    /// <inheritdoc />
    public IReadOnlyList<IReadOnlyList<Module<Tensor, Tensor>>> Segments => segments;

    /// <inheritdoc />
    public Tensor Prepare(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.reshape(-1, 1, 28, 28);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var images = input.reshape(-1, 1, 28, 28);
        using var x = features.forward(images);
        return classifier.forward(x);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            features.Dispose();
            classifier.Dispose();
        }

        base.Dispose(disposing);
    }
}
