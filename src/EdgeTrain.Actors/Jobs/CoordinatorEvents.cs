using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Actors.Jobs;

/// <summary>What the JobCoordinator persists, so that a coordinator that moves to another seed node knows every job.</summary>
public static class CoordinatorEvents
{
    /// <summary>A job was accepted.</summary>
    public sealed record JobSubmitted(string JobId, JobSpec Spec, int[] SliceLengths, DateTime SubmittedUtc) : IEdgeTrainMessage;

    /// <summary>A job ended.</summary>
    public sealed record JobEnded(string JobId, JobState State, double Accuracy, string? Message) : IEdgeTrainMessage;

    /// <summary>An operator paused a running job (<paramref name="By"/> names who asked, for the record).</summary>
    public sealed record JobPaused(string JobId, DateTime AtUtc, string By) : IEdgeTrainMessage;

    /// <summary>An operator resumed a paused job.</summary>
    public sealed record JobResumed(string JobId, DateTime AtUtc, string By) : IEdgeTrainMessage;

    /// <summary>
    /// Checkpoint <paramref name="Id"/> of a job was written to its file (<see cref="JobCoordinatorActor.CheckpointPath"/>):
    /// the slices' versions and lengths, in slice order, and the CRC-32C of the values
    /// (<see cref="Core.Parameters.CheckpointFile.ContentHash"/>).
    /// </summary>
    public sealed record CheckpointTaken(string JobId, long Id, DateTime TakenUtc, string? Label, long[] Versions, int[] Lengths, uint ContentHash) : IEdgeTrainMessage;
}
