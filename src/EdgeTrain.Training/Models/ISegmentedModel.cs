using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeTrain.Training.Models;

/// <summary>
/// A model whose forward pass is a chain of segments (each a few layers applied in order), so that a
/// training step can keep only each segment's input and recompute the segment during backward
/// (<c>memory.recompute = on</c>, <see cref="Local.TrainingStep"/>).
/// </summary>
public interface ISegmentedModel
{
    /// <summary>The segments in order; the last one's output is the logits.</summary>
    IReadOnlyList<IReadOnlyList<Module<Tensor, Tensor>>> Segments { get; }

    /// <summary>The first segment's input from a batch of flat images (what <c>forward</c> does before the layers).</summary>
    Tensor Prepare(Tensor input);
}
