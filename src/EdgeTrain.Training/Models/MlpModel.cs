using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Models;

/// <summary>
/// Multi-layer perceptron: the flattened image through Linear + ReLU for each hidden width,
/// then a Linear layer to the class logits. Parameters, in order: <c>layers.fc1.weight</c>,
/// <c>layers.fc1.bias</c>, …, <c>layers.out.weight</c>, <c>layers.out.bias</c>.
/// </summary>
public sealed class MlpModel : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> layers;

    /// <summary>Creates an MLP of <paramref name="inputs"/> → hidden widths → <paramref name="classes"/>.</summary>
    public MlpModel(int inputs, IReadOnlyList<int> hidden, int classes) : base(nameof(MlpModel))
    {
        ArgumentNullException.ThrowIfNull(hidden);
        var modules = new List<(string, Module<Tensor, Tensor>)>();
        var width = inputs;
        for (var i = 0; i < hidden.Count; i++)
        {
            modules.Add(($"fc{i + 1}", Linear(width, hidden[i])));
            modules.Add(($"relu{i + 1}", ReLU()));
            width = hidden[i];
        }

        modules.Add(("out", Linear(width, classes)));
        layers = Sequential(modules);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return layers.forward(input.flatten(1));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            layers.Dispose();
        }

        base.Dispose(disposing);
    }
}
