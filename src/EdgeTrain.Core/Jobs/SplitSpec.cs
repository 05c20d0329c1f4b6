using EdgeTrain.Core.Codecs;

namespace EdgeTrain.Core.Jobs;

/// <summary>Where a split job's loss is computed, and so whether its labels leave the data nodes.</summary>
public enum SplitLabels
{
    /// <summary>The split-server runs every layer after the cut and the loss: data nodes send activations and labels.</summary>
    Server,

    /// <summary>
    /// The U-shape: the last layer and the loss stay on the data node too; the split-server runs only the layers
    /// between the cut and the last one. Neither inputs nor labels leave the data node.
    /// </summary>
    Client,
}

/// <summary>
/// A split job (<c>model.split</c>): the data nodes run the model up to and including layer
/// <paramref name="CutAfter"/> and send only that layer's activations; a split-server runs the rest and
/// returns the activations' gradient.
/// </summary>
/// <param name="CutAfter">The last layer on the data nodes: <c>conv1</c>, <c>conv2</c> (CNN) or <c>fcK</c> (a hidden dense layer).</param>
/// <param name="Labels">Where the loss is computed.</param>
/// <param name="Codec">How activations and their gradients are encoded on the wire (fp16, int8, …; none: float32).</param>
public sealed record SplitSpec(string CutAfter, SplitLabels Labels, CodecSpec Codec);
