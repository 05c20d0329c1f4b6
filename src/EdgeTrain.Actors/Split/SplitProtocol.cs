using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Actors.Split;

/// <summary>
/// The messages of a split job's steps between a data node's trainer and the job's split-server (a sharded entity,
/// id: the job's id, on a trainer-role node; see <see cref="SplitServerActor"/>), in their order: the cut's
/// activations (with the labels when the loss is on the server) → in the U-shape, the server's output and its
/// gradient → the activations' gradient. Activations and gradients are payloads of the job's split codec
/// (<c>model.split.codec</c>); a step is named by the data node's step number and answered to its sender.
/// </summary>
public static class SplitProtocol
{
    /// <summary>A message for a job's split-server.</summary>
    public interface ISplitMessage
    {
        /// <summary>The job (the entity's id).</summary>
        string JobId { get; }
    }

    /// <summary>
    /// A data node's step begins: <paramref name="Rows"/> samples' activations at the cut, encoded; with the loss on
    /// the server, their labels (one byte each; null in the U-shape, where labels never leave the data node).
    /// </summary>
    public sealed record SplitForward(string JobId, long Step, int Rows, byte[] Activations, byte[]? Labels) : ISplitMessage, IEdgeTrainMessage;

    /// <summary>U-shape: the split-server's output for the step (the last layer's input), encoded.</summary>
    public sealed record SplitHidden(string JobId, long Step, byte[] Hidden) : IEdgeTrainMessage;

    /// <summary>U-shape: the gradient of <see cref="SplitHidden"/>'s values, encoded.</summary>
    public sealed record SplitHiddenGradient(string JobId, long Step, byte[] Gradient) : ISplitMessage, IEdgeTrainMessage;

    /// <summary>The step's end: the gradient of the cut's activations, encoded; <paramref name="Loss"/>: the batch's loss when it was computed on the server (NaN in the U-shape).</summary>
    public sealed record SplitGradient(string JobId, long Step, byte[] Gradient, float Loss) : IEdgeTrainMessage;

    /// <summary>The split-server cannot take the step now (it is loading its slices, or pushing its update to them): begin it again later.</summary>
    public sealed record SplitNotReady(string JobId, long Step, string Reason) : IEdgeTrainMessage;

    /// <summary>The split-server refused the step: the message does not fit the job (the reason names what).</summary>
    public sealed record SplitRefused(string JobId, long Step, string Reason) : IEdgeTrainMessage;

    /// <summary>A split-server asks the coordinator for its job.</summary>
    public sealed record DescribeSplitJob(string JobId) : IEdgeTrainMessage;

    /// <summary>The coordinator's answer: the job's spec and slices.</summary>
    public sealed record SplitJobDescribed(string JobId, JobSpec Spec, int[] SliceLengths) : IEdgeTrainMessage;

    /// <summary>The coordinator knows no running split job of that id.</summary>
    public sealed record SplitJobUnknown(string JobId) : IEdgeTrainMessage;
}
