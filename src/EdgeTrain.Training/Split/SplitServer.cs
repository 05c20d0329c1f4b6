using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Split;

/// <summary>
/// The split-server's side of a split model: the layers after the cut (and the loss, unless it is on the data nodes),
/// trained on the activations that data nodes send. With the loss here, <see cref="Step"/> is the whole of a step; in
/// the U-shape, <see cref="Forward"/> keeps the step's graph and returns the last layer's input, and
/// <see cref="Backward"/> takes its gradient. Either gives back the gradient of the activations. The gradients are
/// then on <see cref="Module"/>'s parameters (the caller steps its optimizer or reads them). One step at a time.
/// </summary>
public sealed class SplitServer : IDisposable
{
    private readonly SplitLayout layout;
    private readonly Device device;
    private Tensor? input;
    private Tensor? output;

    /// <summary>The split-server's layers of <paramref name="layout"/>'s model, on <paramref name="device"/>.</summary>
    public SplitServer(SplitLayout layout, Device device)
    {
        this.layout = layout ?? throw new ArgumentNullException(nameof(layout));
        this.device = device ?? throw new ArgumentNullException(nameof(device));
        Module = SplitModules.Build(layout, layout.ServerLayers);
        Module.to(device);
    }

    /// <summary>The split-server's parameters (the job's server slices, in order).</summary>
    public Module<Tensor, Tensor> Module { get; }

    /// <summary>Whether a U-shaped step waits for its gradient.</summary>
    public bool Pending => input is not null;

    /// <summary>Samples in the U-shaped step that waits (0: none).</summary>
    public int PendingRows => input is null ? 0 : (int)input.shape[0];

    /// <summary>
    /// A whole step with the loss here: <paramref name="rows"/> samples' activations and labels, forward, loss,
    /// backward; returns the activations' gradient and the batch's mean loss.
    /// </summary>
    /// <exception cref="ArgumentException">the activations or labels do not fit the cut, or a label is not a class.</exception>
    public (float[] Gradient, float Loss) Step(float[] activations, int rows, byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentNullException.ThrowIfNull(labels);
        if (layout.Split.Labels != SplitLabels.Server)
        {
            throw new InvalidOperationException("the loss is on the data nodes (labels = client)");
        }

        if (labels.Length != rows || labels.Any(l => l >= Data.MnistSet.Classes))
        {
            throw new ArgumentException($"expected {rows} labels below {Data.MnistSet.Classes}, found {labels.Length}: [{string.Join(", ", labels.Take(8))}{(labels.Length > 8 ? ", …" : "")}]", nameof(labels));
        }

        Abandon();
        using var x = SplitTensors.FromArray(activations, rows, layout.CutShape, device, requiresGrad: true);
        using var scope = NewDisposeScope();
        Module.train();
        var targets = tensor(labels.Select(l => (long)l).ToArray()).to(device);
        var loss = functional.cross_entropy(Module.forward(x), targets);
        loss.backward();
        return (SplitTensors.ToArray(x.grad!), loss.item<float>());
    }

    /// <summary>The U-shape's first half: <paramref name="rows"/> samples' activations through the server's layers (the graph kept); returns their output.</summary>
    /// <exception cref="ArgumentException">the activations do not fit the cut.</exception>
    public float[] Forward(float[] activations, int rows)
    {
        ArgumentNullException.ThrowIfNull(activations);
        Abandon();
        input = SplitTensors.FromArray(activations, rows, layout.CutShape, device, requiresGrad: true);
        using var scope = NewDisposeScope();
        Module.train();
        output = Module.forward(input).DetachFromDisposeScope();
        return SplitTensors.ToArray(output);
    }

    /// <summary>The U-shape's second half: the gradient of <see cref="Forward"/>'s output, backward; returns the activations' gradient.</summary>
    /// <exception cref="ArgumentException">the gradient does not fit the output.</exception>
    public float[] Backward(float[] gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        var held = output ?? throw new InvalidOperationException("no step is under way");
        var x = input!;
        using (var upstream = SplitTensors.FromArray(gradient, (int)x.shape[0], layout.TopShape, device, requiresGrad: false))
        {
            held.backward([upstream]);
        }

        var result = SplitTensors.ToArray(x.grad!);
        Abandon();
        return result;
    }

    /// <summary>Drops a U-shaped step under way; nothing happens when there is none.</summary>
    public void Abandon()
    {
        input?.Dispose();
        output?.Dispose();
        input = null;
        output = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Abandon();
        Module.Dispose();
    }
}
