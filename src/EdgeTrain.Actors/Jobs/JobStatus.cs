using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Scheduling;

namespace EdgeTrain.Actors.Jobs;

/// <summary>A job's progress as the coordinator sees it.</summary>
/// <param name="JobId">The job.</param>
/// <param name="State">Where it is in its life.</param>
/// <param name="Accuracy">Latest test accuracy (0 before the first evaluation).</param>
/// <param name="Loss">Latest mean training loss reported by the trainers.</param>
/// <param name="Samples">Training samples processed by all trainers.</param>
/// <param name="SamplesPerSecond">Samples per second since training started.</param>
/// <param name="BytesSent">Tensor payload bytes trainer→aggregator plus aggregator→shard.</param>
/// <param name="Updates">Merged updates acknowledged by the shards.</param>
/// <param name="ElapsedSeconds">Seconds since training started.</param>
/// <param name="Trainers">Each trainer's totals.</param>
/// <param name="Curve">Evaluations so far.</param>
/// <param name="SlicesPerNode">Parameter slices of this job hosted by each node address.</param>
/// <param name="Message">Why the job failed, or other news.</param>
public sealed record JobStatus(
    string JobId,
    JobState State,
    double Accuracy,
    double Loss,
    long Samples,
    double SamplesPerSecond,
    long BytesSent,
    long Updates,
    double ElapsedSeconds,
    IReadOnlyList<JobProtocol.TrainerProgress> Trainers,
    IReadOnlyList<EvaluationPoint> Curve,
    IReadOnlyDictionary<string, int> SlicesPerNode,
    string? Message) : IEdgeTrainMessage
{
    // plain arrays and dictionaries on the wire, whatever the caller passed (see ModelSpec)

    /// <summary>Each trainer's totals.</summary>
    public IReadOnlyList<JobProtocol.TrainerProgress> Trainers { get; init; } = Trainers?.ToArray() ?? Array.Empty<JobProtocol.TrainerProgress>();

    /// <summary>Evaluations so far.</summary>
    public IReadOnlyList<EvaluationPoint> Curve { get; init; } = Curve?.ToArray() ?? Array.Empty<EvaluationPoint>();

    /// <summary>Parameter slices of this job hosted by each node address.</summary>
    public IReadOnlyDictionary<string, int> SlicesPerNode { get; init; } = new Dictionary<string, int>(SlicesPerNode ?? new Dictionary<string, int>(), StringComparer.Ordinal);

    /// <summary>Recovery and placement events (node lost, slices re-homed, partitions moved), oldest first.</summary>
    public IReadOnlyList<string> Events { get; init => field = value?.ToArray() ?? []; } = Array.Empty<string>();

    /// <summary>The scheduler's priority of the job.</summary>
    public int Priority { get; init; }

    /// <summary>A shared-data job's redundant execution: replicas computed and units applied, overall and for trusted nodes' units (null: no votes).</summary>
    public Core.Redundancy.VoteCounts? Votes { get; init; }

    /// <summary>A job with secure aggregation: its secure rounds so far (null: none).</summary>
    public Core.Privacy.SecureAggregation.SecureAggregationCounts? SecureAggregation { get; init; }

    /// <summary>A language model's latest validation bits per character (NaN: a classifier, or none yet).</summary>
    public double BitsPerCharacter { get; init; } = double.NaN;

    /// <summary>A language model's latest sample of generated text (null: a classifier, or none yet).</summary>
    public string? Sample { get; init; }

    /// <summary>A language model's target in bits per character (0: none, or a classifier).</summary>
    public double TargetLoss { get; init; }

    /// <summary>A language model's latest bits per character on each partition's held-out text, by partition (empty: none).</summary>
    public IReadOnlyList<double> PartitionBits { get; init => field = value?.ToArray() ?? []; } = Array.Empty<double>();

    /// <summary>Whether the job trains a language model, scored in bits per character rather than accuracy.</summary>
    public bool Language { get; init; }

    /// <summary>A split job's cut (null: every trainer runs the whole model).</summary>
    public Core.Jobs.SplitSpec? Split { get; init; }

    /// <summary>A differentially private job's (ε, δ) so far (null: no differential privacy).</summary>
    public Core.Privacy.PrivacyStatus? Privacy { get; init; }

    /// <summary>The trainers reserved for the job at least (<c>min-trainers</c>).</summary>
    public int MinTrainers { get; init; } = 1;

    /// <summary>The trainers the job takes at most (<c>max-trainers</c>; 0: every free one).</summary>
    public int MaxTrainers { get; init; }

    /// <summary>How many trainers the job held, each time that changed (seconds since it was submitted).</summary>
    public IReadOnlyList<TrainerCount> TrainersOverTime { get; init => field = value?.ToArray() ?? []; } = Array.Empty<TrainerCount>();

    /// <summary>True once the job has stopped for good.</summary>
    public bool Finished => State is JobState.Completed or JobState.TimedOut or JobState.Failed or JobState.Cancelled;
}
