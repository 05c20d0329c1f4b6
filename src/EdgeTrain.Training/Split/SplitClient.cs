using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Split;

/// <summary>
/// A data node's side of a split model: the layers up to the cut (and the last layer with the loss, in the U-shape), and
/// the step under way, whose graph is kept between the messages of the step. A step: <see cref="Begin"/> runs the
/// bottom on a batch and gives the cut's activations to send; in the U-shape <see cref="Head"/> takes the split-server's
/// output, computes the loss and the gradients of the last layer and gives the gradient of the server's output to send
/// back; <see cref="End"/> takes the gradient of the cut's activations and back-propagates through the bottom. The
/// gradients are then on <see cref="Module"/>'s parameters (the caller steps its optimizer or reads them).
/// </summary>
public sealed class SplitClient : IDisposable
{
    private readonly SplitLayout layout;
    private readonly Device device;
    private readonly Module<Tensor, Tensor> bottom;
    private readonly Module<Tensor, Tensor>? top;
    private Tensor? activations;
    private Tensor? targets;

    /// <summary>The data node's layers of <paramref name="layout"/>'s model, on <paramref name="device"/>.</summary>
    public SplitClient(SplitLayout layout, Device device)
    {
        this.layout = layout ?? throw new ArgumentNullException(nameof(layout));
        this.device = device ?? throw new ArgumentNullException(nameof(device));
        bottom = SplitModules.Build(layout, layout.BottomLayers);
        var modules = new List<(string, Module<Tensor, Tensor>)> { ("bottom", bottom) };
        if (layout.Split.Labels == SplitLabels.Client)
        {
            top = SplitModules.Build(layout, layout.TopLayers);
            modules.Add(("top", top));
        }

        Module = Sequential(modules);
        Module.to(device);
    }

    /// <summary>The data node's parameters: the bottom's, then the top's (the job's client slices, in order).</summary>
    public Module<Tensor, Tensor> Module { get; }

    /// <summary>Whether a step is under way.</summary>
    public bool Pending => activations is not null;

    /// <summary>Samples in the step under way.</summary>
    public int Rows => activations is null ? 0 : (int)activations.shape[0];

    /// <summary>
    /// Begins a step on rows <paramref name="rows"/>: the bottom's forward pass (its graph kept), whose output is returned
    /// to be sent. Any step under way is abandoned.
    /// </summary>
    public float[] Begin(Tensor inputs, Tensor labels, Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(rows);
        Abandon();
        using var scope = NewDisposeScope();
        Module.train();
        var x = inputs.index_select(0, rows);
        if (layout.Model.Kind == ModelKind.Cnn)
        {
            x = x.reshape(-1, 1, 28, 28);
        }

        activations = bottom.forward(x).DetachFromDisposeScope();
        targets = labels.index_select(0, rows).DetachFromDisposeScope();
        return SplitTensors.ToArray(activations);
    }

    /// <summary>The step's labels, one byte each (sent only when the loss is on the split-server).</summary>
    public byte[] Labels()
    {
        var held = targets ?? throw new InvalidOperationException("no step is under way");
        using var scope = NewDisposeScope();
        return [.. held.cpu().data<long>().ToArray().Select(l => checked((byte)l))];
    }

    /// <summary>
    /// The U-shape's second half: the split-server's output for the step's rows into the last layer and the loss,
    /// backward; returns the gradient of the server's output (to send back) and the batch's mean loss.
    /// </summary>
    /// <exception cref="ArgumentException">the values are not the step's rows of the last layer's input.</exception>
    public (float[] Gradient, float Loss) Head(float[] hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        var head = top ?? throw new InvalidOperationException("the loss is on the split-server");
        var held = targets ?? throw new InvalidOperationException("no step is under way");
        using var input = SplitTensors.FromArray(hidden, Rows, layout.TopShape, device, requiresGrad: true);
        using var scope = NewDisposeScope();
        var loss = functional.cross_entropy(head.forward(input), held);
        loss.backward();
        return (SplitTensors.ToArray(input.grad!), loss.item<float>());
    }

    /// <summary>Ends the step: the gradient of the cut's activations back-propagated through the bottom.</summary>
    /// <exception cref="ArgumentException">the values are not the step's rows of the cut's activations.</exception>
    public void End(float[] gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        var held = activations ?? throw new InvalidOperationException("no step is under way");
        using var upstream = SplitTensors.FromArray(gradient, Rows, layout.CutShape, device, requiresGrad: false);
        held.backward([upstream]);
        Abandon();
    }

    /// <summary>Drops the step under way (its graph and labels); nothing happens when there is none.</summary>
    public void Abandon()
    {
        activations?.Dispose();
        targets?.Dispose();
        activations = null;
        targets = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Abandon();
        Module.Dispose();
    }
}
