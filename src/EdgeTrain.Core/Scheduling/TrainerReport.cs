namespace EdgeTrain.Core.Scheduling;

/// <summary>
/// A trainer's running totals in one job as it reported them (the coordinator's copy of the trainer's
/// progress message): samples, latest loss, contributions, encoded bytes sent, seconds busy training
/// and waiting for slices, dense bytes pulled, and the shortest round trip it measured to the shards.
/// </summary>
public sealed record TrainerReport(
    string Node, string Region, long Samples, double Loss, long Contributions, long BytesSent, double BusySeconds, double PullSeconds, long BytesPulled, double RoundTripMs)
{
    /// <summary>With DP-SGD, what the trainer's partitions have spent (null: the job has no differential privacy).</summary>
    public Privacy.PrivacyReport? Privacy { get; init; }

    /// <summary>The trainer's process's peak resident bytes (0: not reported).</summary>
    public long PeakBytes { get; init; }
}

/// <summary>An aggregator incarnation's totals in one job; <paramref name="AckedContiguous"/>: per slice, the sequence number up to which the shard acknowledged every merged update.</summary>
public sealed record AggregatorReport(string Region, string AggregatorId, long MergedSent, long Acknowledged, long BytesSent, long[] AckedContiguous)
{
    /// <summary>The aggregator's redundant execution so far (null: the job has none).</summary>
    public Redundancy.VoteCounts? Votes { get; init; }

    /// <summary>The aggregator's secure rounds so far (null: the job has no secure aggregation).</summary>
    public Privacy.SecureAggregation.SecureAggregationCounts? SecureAggregation { get; init; }
}

/// <summary>What one slice's shard holds of each aggregator's merged updates: up to which sequence number all of them, and which above it.</summary>
public sealed record SliceApplied(int Slice, IReadOnlyDictionary<string, long> Contiguous, IReadOnlyDictionary<string, long[]> Above);

/// <summary>One evaluation of a job's model on the held-out test set.</summary>
public sealed record EvaluationPoint(double Seconds, long Samples, double Loss, double Accuracy)
{
    /// <summary>A language model's validation bits per character (NaN for a classifier).</summary>
    public double BitsPerCharacter { get; init; } = double.NaN;
}

/// <summary>From <paramref name="Seconds"/> after its submission, a job held <paramref name="Trainers"/> trainers.</summary>
public sealed record TrainerCount(double Seconds, int Trainers);

/// <summary>A checkpoint of a job as the coordinator's journal recorded it.</summary>
public sealed record CheckpointRecord(long Id, DateTime TakenUtc, string? Label, long[] Versions, int[] Lengths, uint ContentHash);
