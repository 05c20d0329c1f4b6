using EdgeTrain.Training.Memory;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Privacy;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Local;

/// <summary>
/// One optimizer step of a classifier on one batch: forward, cross-entropy loss, backward, step.
/// Every tensor made during the step lives in one dispose scope that ends with it. With DP-SGD
/// (<see cref="DpSgdGradients"/>) the gradients are the clipped, noised ones instead of autograd's. With
/// recomputation (<c>memory.recompute = on</c>) only each segment's input is kept through the forward pass
/// and the segments are run again during backward (<see cref="RecomputedBackward"/>).
/// </summary>
public sealed class TrainingStep
{
    private readonly Module<Tensor, Tensor> model;
    private readonly optim.Optimizer optimizer;
    private readonly DpSgdGradients? privateGradients;
    private readonly ISegmentedModel? segmented;

    /// <summary>
    /// Creates the step for <paramref name="model"/> trained by <paramref name="optimizer"/>, with DP-SGD when
    /// <paramref name="privateGradients"/> is given, recomputing activations when <paramref name="recompute"/> is
    /// (the model must be made of segments; DP-SGD computes its own backward and keeps what it needs).
    /// </summary>
    public TrainingStep(Module<Tensor, Tensor> model, optim.Optimizer optimizer, DpSgdGradients? privateGradients = null, bool recompute = false)
    {
        this.model = model ?? throw new ArgumentNullException(nameof(model));
        this.optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        this.privateGradients = privateGradients;
        if (recompute && privateGradients is null)
        {
            segmented = model as ISegmentedModel ?? throw new ArgumentException($"{model.GetType().Name} is not made of segments; it cannot recompute its activations", nameof(recompute));
        }
    }

    /// <summary>Whether activations are recomputed during backward.</summary>
    public bool Recomputes => segmented is not null;

    /// <summary>Whether the gradients are DP-SGD's.</summary>
    public bool Private => privateGradients is not null;

    /// <summary>
    /// Forward and backward on rows <paramref name="rows"/> without an optimizer step: the
    /// gradients stay on the parameters (read them with the flat view). Returns the mean loss.
    /// </summary>
    public float Gradients(Tensor inputs, Tensor targets, Tensor rows)
    {
        using var scope = NewDisposeScope();
        return Backward(inputs, targets, rows).item<float>();
    }

    /// <summary>Trains on rows <paramref name="rows"/> of <paramref name="inputs"/> / <paramref name="targets"/> and returns the batch's mean loss.</summary>
    public float Run(Tensor inputs, Tensor targets, Tensor rows)
    {
        using var scope = NewDisposeScope();
        var loss = Backward(inputs, targets, rows);
        optimizer.step();
        return loss.item<float>();
    }

    // forward, cross-entropy and backward, in the caller's dispose scope
    private Tensor Backward(Tensor inputs, Tensor targets, Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(rows);
        model.train();
        optimizer.zero_grad();
        if (privateGradients is not null)
        {
            return privateGradients.Backward(inputs.index_select(0, rows), targets.index_select(0, rows));
        }

        if (segmented is not null)
        {
            return RecomputedBackward.Run(segmented, inputs.index_select(0, rows), targets.index_select(0, rows));
        }

        var loss = functional.cross_entropy(model.forward(inputs.index_select(0, rows)), targets.index_select(0, rows));
        loss.backward();
        return loss;
    }
}
