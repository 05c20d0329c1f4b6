using System.Globalization;

namespace EdgeTrain.Core.Aggregation;

/// <summary>
/// The merging a region aggregator does for one job, as plain state: contributions to each
/// slice are validated, discounted by staleness (how many versions the slice moved since the
/// trainer's copy), and accumulated; once a slice has <see cref="MergeCount"/> of them (or on the
/// merge timer) <see cref="Flush"/> turns them into one merged update with the next sequence
/// number, which stays pending until its shard acknowledges it.
/// </summary>
public sealed class RegionMerge
{
    private readonly SliceAccumulator[] accumulators;
    private readonly long[] nextSequence;
    private readonly long[] knownVersion;
    private readonly SortedDictionary<long, PendingUpdate>[] pending;
    private readonly Parameters.AppliedSequences[] acknowledged;

    /// <summary>Creates the merge state for a job whose slices have <paramref name="sliceLengths"/>.</summary>
    public RegionMerge(IReadOnlyList<int> sliceLengths, int mergeCount, double stalenessExponent)
    {
        ArgumentNullException.ThrowIfNull(sliceLengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mergeCount);
        accumulators = sliceLengths.Select(length => new SliceAccumulator(length)).ToArray();
        nextSequence = new long[accumulators.Length];
        knownVersion = new long[accumulators.Length];
        pending = accumulators.Select(_ => new SortedDictionary<long, PendingUpdate>()).ToArray();
        acknowledged = accumulators.Select(_ => new Parameters.AppliedSequences()).ToArray();
        MergeCount = mergeCount;
        StalenessExponent = stalenessExponent;
    }

    /// <summary>Contributions per slice that make one merged update.</summary>
    public int MergeCount { get; }

    /// <summary>Exponent of the staleness discount (see <see cref="StalenessWeight"/>).</summary>
    public double StalenessExponent { get; }

    /// <summary>Number of slices.</summary>
    public int SliceCount => accumulators.Length;

    /// <summary>Merged updates not yet acknowledged.</summary>
    public int PendingCount => pending.Sum(p => p.Count);

    /// <summary>Slices with contributions waiting to be merged.</summary>
    public IEnumerable<int> SlicesWithContributions => Enumerable.Range(0, accumulators.Length).Where(s => accumulators[s].Count > 0);

    /// <summary>
    /// Checks and merges one contribution. Returns null when it was merged, else the reason it
    /// was refused (nothing of it is merged then).
    /// </summary>
    public string? Add(int slice, long baseVersion, double weight, ReadOnlySpan<float> payload)
    {
        if (slice < 0 || slice >= accumulators.Length)
        {
            return $"slice {slice} does not exist; the job has slices 0 to {accumulators.Length - 1}";
        }

        if (payload.Length != accumulators[slice].Length)
        {
            return $"slice {slice} has {accumulators[slice].Length} floats, the contribution {payload.Length}";
        }

        if (!double.IsFinite(weight) || weight <= 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"weight {weight}; expected a positive number of samples");
        }

        var bad = PayloadCheck.FirstNonFinite(payload);
        if (bad >= 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"value {bad} is {payload[bad]}; expected finite numbers");
        }

        // the accumulator sums in float: the discounted weight must be a usable float, neither
        // overflowing to infinity nor vanishing to zero (which would make the average 0/0)
        var staleness = Math.Max(0, knownVersion[slice] - baseVersion);
        var discounted = StalenessWeight.Of(weight, staleness, StalenessExponent);
        if (!float.IsFinite((float)discounted) || (float)discounted < float.Epsilon)
        {
            return string.Create(CultureInfo.InvariantCulture, $"weight {weight} (discounted to {discounted}) is outside what a float holds; expected a sample count");
        }

        accumulators[slice].Add(payload, discounted);
        return null;
    }

    /// <summary>True when slice <paramref name="slice"/> has enough contributions for a merged update.</summary>
    public bool Ready(int slice) => accumulators[slice].Count >= MergeCount;

    /// <summary>Merges what slice <paramref name="slice"/> has into a new pending update (null when it has nothing).</summary>
    public PendingUpdate? Flush(int slice, DateTime nowUtc)
    {
        if (accumulators[slice].Count == 0)
        {
            return null;
        }

        var update = new PendingUpdate(slice, ++nextSequence[slice], accumulators[slice].TakeAverage(), nowUtc);
        pending[slice][update.Sequence] = update;
        return update;
    }

    /// <summary>The shard made update <paramref name="sequence"/> durable at <paramref name="version"/>; false when it was not pending.</summary>
    public bool Acknowledge(int slice, long sequence, long version)
    {
        if (slice < 0 || slice >= accumulators.Length)
        {
            return false;
        }

        knownVersion[slice] = Math.Max(knownVersion[slice], version);
        if (sequence > 0 && sequence <= nextSequence[slice])
        {
            acknowledged[slice].Add(sequence);
        }

        return pending[slice].Remove(sequence);
    }

    /// <summary>Drops a pending update the shard refused for good.</summary>
    public bool Drop(int slice, long sequence) => slice >= 0 && slice < accumulators.Length && pending[slice].Remove(sequence);

    /// <summary>Pending updates last sent before <paramref name="cutoffUtc"/>, oldest sequence first; each is marked as sent at <paramref name="nowUtc"/>.</summary>
    public IReadOnlyList<PendingUpdate> DueForResend(DateTime cutoffUtc, DateTime nowUtc)
    {
        var due = new List<PendingUpdate>();
        foreach (var perSlice in pending)
        {
            foreach (var update in perSlice.Values.Where(u => u.SentUtc < cutoffUtc).ToList())
            {
                var resent = update with { SentUtc = nowUtc };
                perSlice[update.Sequence] = resent;
                due.Add(resent);
            }
        }

        return due;
    }

    /// <summary>Per slice, the sequence number up to which every merged update has been acknowledged.</summary>
    public long[] AcknowledgedContiguous() => acknowledged.Select(a => a.Contiguous).ToArray();

    /// <summary>The newest version of <paramref name="slice"/> that its shard has reported.</summary>
    public long KnownVersion(int slice) => knownVersion[slice];
}
