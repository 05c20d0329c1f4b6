namespace EdgeTrain.Core.Scheduling;

/// <summary>
/// What carrying out a decision means for the trainers of a job: the nodes to (re)send their
/// partitions to, and the nodes whose trainer of the job stops. <paramref name="StartJob"/>: the job
/// was placed and its start (slices, aggregators) must run before any trainer trains.
/// </summary>
public sealed record TrainerChanges(string JobId, IReadOnlyList<string> Train, IReadOnlyList<string> Stop, bool StartJob = false)
{
    /// <summary>Nothing to do.</summary>
    public static TrainerChanges None(string jobId) => new(jobId, [], []);
}
