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
}
