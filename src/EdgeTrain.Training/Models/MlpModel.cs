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
    private readonly List<TorchSharp.Modules.Linear> linears = [];

    /// <summary>Creates an MLP of <paramref name="inputs"/> → hidden widths → <paramref name="classes"/>.</summary>
    public MlpModel(int inputs, IReadOnlyList<int> hidden, int classes) : base(nameof(MlpModel))
    {
        ArgumentNullException.ThrowIfNull(hidden);
        var modules = new List<(string, Module<Tensor, Tensor>)>();
        var width = inputs;
        for (var i = 0; i < hidden.Count; i++)
        {
            var linear = Linear(width, hidden[i]);
            linears.Add(linear);
            modules.Add(($"fc{i + 1}", linear));
            modules.Add(($"relu{i + 1}", ReLU()));
            width = hidden[i];
        }

        var output = Linear(width, classes);
        linears.Add(output);
        modules.Add(("out", output));
        layers = Sequential(modules);
        RegisterComponents();
    }

    /// <summary>The linear layers in order (a ReLU between each two): what DP-SGD computes per-example gradients of.</summary>
    public IReadOnlyList<TorchSharp.Modules.Linear> Linears => linears;

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
