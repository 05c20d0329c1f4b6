using EdgeTrain.Training.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Memory;

/// <summary>
/// Forward and backward with activation recomputation (<c>memory.recompute = on</c>): the forward pass runs
/// without autograd, keeping only each segment's input; the loss is taken through the last segment with
/// autograd; then each earlier segment, from the last to the first, is run again from its kept input with
/// autograd and back-propagated with the gradient of its output, which gives its parameters' gradients and
/// its input's gradient for the segment before. Memory: one segment's activations at a time instead of the
/// whole network's; time: one more forward pass of every segment but the last. The random generator is
/// put back to its state before each segment when it is recomputed, so dropout draws the same mask.
/// </summary>
public static class RecomputedBackward
{
    /// <summary>The mean cross-entropy of <paramref name="model"/> on <paramref name="inputs"/>, with the parameters' gradients accumulated; in the caller's dispose scope.</summary>
    public static Tensor Run(ISegmentedModel model, Tensor inputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        var segments = model.Segments;
        var kept = new Tensor[segments.Count];
        var states = new Tensor[segments.Count];
        using (no_grad())
        {
            var x = model.Prepare(inputs);
            for (var s = 0; s < segments.Count - 1; s++)
            {
                kept[s] = x;
                states[s] = RandomState.Save();
                // each segment's own activations die with its scope: only its output, the next one's input, is kept
                using var segment = NewDisposeScope();
                x = Forward(segments[s], x).MoveToOuterDisposeScope();
            }

            kept[^1] = x;
        }

        Tensor loss;
        Tensor? upstream;
        using (var last = NewDisposeScope())
        {
            var input = kept[^1].detach().requires_grad_(true);
            loss = functional.cross_entropy(Forward(segments[^1], input), targets).MoveToOuterDisposeScope();
            loss.backward();
            upstream = input.grad?.MoveToOuterDisposeScope();
        }

        kept[^1].Dispose(); // what is no longer needed goes at once: the point is the high-water mark

        var after = RandomState.Save();
        for (var s = segments.Count - 2; s >= 0 && upstream is not null; s--)
        {
            RandomState.Restore(states[s]);
            using var segment = NewDisposeScope();
            var input = s == 0 ? kept[s].detach() : kept[s].detach().requires_grad_(true);
            Forward(segments[s], input).backward([upstream]);
            upstream.Dispose();
            upstream = s == 0 ? null : input.grad?.MoveToOuterDisposeScope();
            kept[s].Dispose();
        }

        RandomState.Restore(after);
        return loss;
    }

    private static Tensor Forward(IReadOnlyList<Module<Tensor, Tensor>> segment, Tensor input)
    {
        var x = input;
        foreach (var layer in segment)
        {
            x = layer.forward(x);
        }

        return x;
    }
}
