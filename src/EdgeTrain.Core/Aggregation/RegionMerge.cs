using System.Globalization;
using EdgeTrain.Core.Aggregation.Robust;
using EdgeTrain.Core.Codecs;

namespace EdgeTrain.Core.Aggregation;

/// <summary>
/// The merging a region aggregator does for one job, as plain state: contributions to each
/// slice are validated, discounted by staleness (how many versions the slice moved since the
/// trainer's copy), and accumulated; once a slice has <see cref="MergeCount"/> of them (or on the
/// merge timer) <see cref="Flush"/> turns them into one merged update with the next sequence
/// number, encoded with the job's aggregator-to-shard codec (with error feedback: what a lossy
/// codec drops stays here and joins the next merged update of the slice), which stays pending
/// until its shard acknowledges it. Contributions arrive encoded and are merged straight from
/// their payload.
/// <para>
/// With a robust rule (<see cref="Rule"/>: anything but a plain mean) contributions are not summed as
/// they come: each trainer's round of whole updates is collected (<see cref="RoundBuffer"/>), and once
/// <see cref="MergeCount"/> trainers have a complete round (or on the merge timer, every trainer that
/// sent anything is complete and the rule has enough of them) <see cref="FlushRound"/> merges the round
/// by the rule and turns it into one merged update per slice, with a verdict per trainer.
/// </para>
/// </summary>
public sealed class RegionMerge
{
    private readonly SliceAccumulator[] accumulators;
    private readonly long[] nextSequence;
    private readonly long[] knownVersion;
    private readonly SortedDictionary<long, PendingUpdate>[] pending;
    private readonly Parameters.AppliedSequences[] acknowledged;
    private readonly SliceEncoder encoder;
    private readonly int[] sliceLengths;
    private readonly DateTime?[] waitingSince;
    private RoundBuffer? rounds;

    /// <summary>Creates the merge state for a job whose slices have <paramref name="sliceLengths"/>.</summary>
    /// <param name="sliceLengths">Floats per slice.</param>
    /// <param name="mergeCount">Contributions per slice that make one merged update.</param>
    /// <param name="stalenessExponent">Exponent of the staleness discount.</param>
    /// <param name="mergedCodec">Codec of the merged updates (default: raw float32).</param>
    /// <param name="errorFeedback">Keep what a lossy <paramref name="mergedCodec"/> drops for the slice's next update.</param>
    public RegionMerge(IReadOnlyList<int> sliceLengths, int mergeCount, double stalenessExponent, CodecSpec? mergedCodec = null, bool errorFeedback = true)
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
        encoder = new SliceEncoder(mergedCodec ?? new CodecSpec(CodecKind.None), errorFeedback, sliceLengths);
        this.sliceLengths = [.. sliceLengths];
        waitingSince = new DateTime?[accumulators.Length];
    }

    /// <summary>How a round is merged (the plain mean as contributions come, unless a robust rule is set).</summary>
    public AggregationRule Rule { get; private set; } = AggregationRule.Mean;

    /// <summary>Whether contributions are collected in rounds for a robust rule.</summary>
    public bool RoundMode => rounds is not null;

    /// <summary>Sets the rule; a change drops the contributions collected under the old one.</summary>
    public void SetRule(AggregationRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule == Rule)
        {
            return;
        }

        Rule = rule;
        rounds = rule.NeedsRounds ? new RoundBuffer(sliceLengths) : null;
    }

    /// <summary>Trainers with a complete round waiting (round mode).</summary>
    public int CompleteRounds => rounds?.Complete ?? 0;

    /// <summary>Trainers that sent part of a round (round mode).</summary>
    public int IncompleteRounds => rounds?.Incomplete ?? 0;

    /// <summary>
    /// Whether a round should be merged now: <see cref="MergeCount"/> trainers have a complete round, or
    /// (<paramref name="timer"/>: the merge interval passed) every trainer that sent anything is complete
    /// and there are enough for the rule.
    /// </summary>
    public bool RoundReady(bool timer) => rounds is not null && (rounds.Complete >= MergeCount
        || (timer && rounds.Incomplete == 0 && rounds.Complete > 0 && rounds.Complete >= Rule.MinimumContributions));

    /// <summary>
    /// Merges the complete rounds by <see cref="Rule"/> into one pending update per slice; returns them with
    /// the rule's verdicts (null when no round is complete).
    /// </summary>
    public (IReadOnlyList<PendingUpdate> Updates, RoundResult Result)? FlushRound(DateTime nowUtc)
    {
        if (rounds is null || rounds.Complete == 0)
        {
            return null;
        }

        var result = RobustMerge.Merge(rounds.Take(), Rule);
        var updates = new List<PendingUpdate>(accumulators.Length);
        for (var slice = 0; slice < accumulators.Length; slice++)
        {
            var values = result.Merged.AsSpan(rounds.Offset(slice), accumulators[slice].Length).ToArray();
            if (Share != 1f)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(values, Share, values);
            }

            var update = new PendingUpdate(slice, ++nextSequence[slice], encoder.Encode(slice, values), nowUtc);
            pending[slice][update.Sequence] = update;
            updates.Add(update);
        }

        return (updates, result);
    }

    /// <summary>Drops the round a trainer had begun (it left the job, or was quarantined).</summary>
    public void Forget(string trainer) => rounds?.Forget(trainer);

    /// <summary>Contributions per slice that make one merged update.</summary>
    public int MergeCount { get; private set; }

    /// <summary>The codec of the merged updates.</summary>
    public CodecSpec MergedCodec => encoder.Spec;

    /// <summary>
    /// Factor applied to every merged average before it is encoded: the region's share of the job's
    /// trainers when the updates are model deltas (DiLoCo), so that the regions' merged updates of
    /// one round add up to the average over all trainers; 1 otherwise.
    /// </summary>
    public float Share { get; private set; } = 1f;

    /// <summary>
    /// Changes <see cref="MergeCount"/> and <see cref="Share"/> (the region gained or lost trainers);
    /// returns whether either changed.
    /// </summary>
    public bool Reconfigure(int mergeCount, float share)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mergeCount);
        if (!(share > 0 && share <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(share), share, "expected a share in (0, 1]");
        }

        var changed = mergeCount != MergeCount || share != Share;
        MergeCount = mergeCount;
        Share = share;
        return changed;
    }

    /// <summary>Exponent of the staleness discount (see <see cref="StalenessWeight"/>).</summary>
    public double StalenessExponent { get; }

    /// <summary>Number of slices.</summary>
    public int SliceCount => accumulators.Length;

    /// <summary>Merged updates not yet acknowledged.</summary>
    public int PendingCount => pending.Sum(p => p.Count);

    /// <summary>Slices with contributions waiting to be merged.</summary>
    public IEnumerable<int> SlicesWithContributions => Enumerable.Range(0, accumulators.Length).Where(s => accumulators[s].Count > 0);

    /// <summary>
    /// Slices whose oldest waiting contribution arrived at or before <paramref name="cutoffUtc"/> (the merge
    /// interval ago): the partial merges due. Counted from each slice's first contribution since its last merged
    /// update, so that a round of the region's trainers is never cut at an arbitrary tick of a periodic timer.
    /// </summary>
    public IEnumerable<int> SlicesDue(DateTime cutoffUtc) => SlicesWithContributions.Where(s => (waitingSince[s] ?? DateTime.MinValue) <= cutoffUtc);

    /// <summary>
    /// Checks and merges one encoded contribution. Returns null when it was merged, else the
    /// reason it was refused (nothing of it is merged then): an unknown slice, a weight that is
    /// not a sample count, or a payload that does not decode to the slice (wrong length, unknown
    /// codec, indices out of range, unsorted or repeated, non-finite values or scales).
    /// </summary>
    /// <param name="slice">The slice.</param>
    /// <param name="baseVersion">The slice version the trainer started from.</param>
    /// <param name="weight">Samples behind the contribution.</param>
    /// <param name="payload">The contribution, encoded with any codec.</param>
    /// <param name="source">Who sent it, for the reason.</param>
    /// <param name="trainer">The trainer's identity, whose round the contribution belongs to in round mode (default: <paramref name="source"/>).</param>
    /// <param name="receivedUtc">When it arrived (<see cref="SlicesDue"/>; null: due at once).</param>
    public string? Add(int slice, long baseVersion, double weight, ReadOnlySpan<byte> payload, string source = "contribution", string? trainer = null, DateTime? receivedUtc = null)
    {
        if (slice < 0 || slice >= accumulators.Length)
        {
            return $"slice {slice} does not exist; the job has slices 0 to {accumulators.Length - 1}";
        }

        if (!double.IsFinite(weight) || weight <= 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"weight {weight}; expected a positive number of samples");
        }

        // the accumulator sums in float: the discounted weight must be a usable float, neither
        // overflowing to infinity nor vanishing to zero (which would make the average 0/0)
        var staleness = Math.Max(0, knownVersion[slice] - baseVersion);
        var discounted = StalenessWeight.Of(weight, staleness, StalenessExponent);
        if (!float.IsFinite((float)discounted) || (float)discounted < float.Epsilon)
        {
            return string.Create(CultureInfo.InvariantCulture, $"weight {weight} (discounted to {discounted}) is outside what a float holds; expected a sample count");
        }

        try
        {
            if (rounds is not null)
            {
                rounds.Add(trainer ?? source, slice, discounted, payload);
                return null;
            }

            var codec = TensorCodecs.ForPayload(payload, source);
            accumulators[slice].AddEncoded(codec, payload, discounted, source);
            waitingSince[slice] ??= receivedUtc ?? DateTime.MinValue;
            return null;
        }
        catch (InvalidInputException e)
        {
            return $"slice {slice} ({accumulators[slice].Length} floats): {e.Message}";
        }
    }

    /// <summary>Checks and merges one dense float32 contribution (see the encoded overload).</summary>
    public string? Add(int slice, long baseVersion, double weight, ReadOnlySpan<float> payload)
    {
        var bad = PayloadCheck.FirstNonFinite(payload);
        if (bad >= 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"value {bad} is {payload[bad]}; expected finite numbers");
        }

        return Add(slice, baseVersion, weight, TensorCodecs.For(new CodecSpec(CodecKind.None)).Encode(payload));
    }

    /// <summary>True when slice <paramref name="slice"/> has enough contributions for a merged update.</summary>
    public bool Ready(int slice) => rounds is null && accumulators[slice].Count >= MergeCount;

    /// <summary>Merges what slice <paramref name="slice"/> has into a new pending update (null when it has nothing).</summary>
    public PendingUpdate? Flush(int slice, DateTime nowUtc)
    {
        if (accumulators[slice].Count == 0)
        {
            return null;
        }

        var average = accumulators[slice].TakeAverage();
        waitingSince[slice] = null;
        if (Share != 1f)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(average, Share, average);
        }

        var update = new PendingUpdate(slice, ++nextSequence[slice], encoder.Encode(slice, average), nowUtc);
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
