using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Models;

/// <summary>
/// Multi-layer perceptron: the flattened image through Linear + ReLU for each hidden width,
/// then a Linear layer to the class logits. Parameters, in order: <c>layers.fc1.weight</c>,
/// <c>layers.fc1.bias</c>, …, <c>layers.out.weight</c>, <c>layers.out.bias</c>.
/// </summary>
public sealed class MlpModel : Module<Tensor, Tensor>, ISegmentedModel
{
    private readonly Module<Tensor, Tensor> layers;
    private readonly List<TorchSharp.Modules.Linear> linears = [];
    private readonly List<IReadOnlyList<Module<Tensor, Tensor>>> segments = [];

    /// <summary>Creates an MLP of <paramref name="inputs"/> → hidden widths → <paramref name="classes"/>.</summary>
    public MlpModel(int inputs, IReadOnlyList<int> hidden, int classes) : base(nameof(MlpModel))
    {
        ArgumentNullException.ThrowIfNull(hidden);
        var modules = new List<(string, Module<Tensor, Tensor>)>();
        var width = inputs;
        for (var i = 0; i < hidden.Count; i++)
        {
            var linear = Linear(width, hidden[i]);
            var relu = ReLU();
            linears.Add(linear);
            modules.Add(($"fc{i + 1}", linear));
            modules.Add(($"relu{i + 1}", relu));
            // recomputation's segments: about √(hidden layers) layers each, so that the inputs kept between
            // segments and one segment's activations are both about √n layers' worth (a layer's linear output
            // is never kept anyway: the ReLU keeps only its own output)
            var perSegment = (int)Math.Ceiling(Math.Sqrt(hidden.Count));
            if (i % perSegment == 0)
            {
                segments.Add(new List<Module<Tensor, Tensor>>());
            }

            ((List<Module<Tensor, Tensor>>)segments[^1]).AddRange([linear, relu]);
            width = hidden[i];
        }

        var output = Linear(width, classes);
        linears.Add(output);
        modules.Add(("out", output));
        segments.Add([output]);
        layers = Sequential(modules);
        RegisterComponents();
    }

    /// <summary>The linear layers in order (a ReLU between each two): what DP-SGD computes per-example gradients of.</summary>
    public IReadOnlyList<TorchSharp.Modules.Linear> Linears => linears;

    /// <inheritdoc />
    public IReadOnlyList<IReadOnlyList<Module<Tensor, Tensor>>> Segments => segments;

    /// <inheritdoc />
    public Tensor Prepare(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.flatten(1);
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
