using EdgeTrain.Core.Codecs;

namespace EdgeTrain.Core.Aggregation.Robust;

/// <summary>
/// Collects one round of whole updates per trainer for a robust rule: each trainer's contribution to
/// each slice is decoded into its place in that trainer's round (every slice concatenated, in slice
/// order); a trainer's round is complete once every slice has arrived. A trainer that runs ahead (its
/// next round's slices before this round is merged) starts a second round of its own, merged in the
/// next round. <see cref="Take"/> takes the oldest complete round of every trainer that has one.
/// </summary>
public sealed class RoundBuffer
{
    private readonly int[] offsets;
    private readonly int[] lengths;
    private readonly Dictionary<string, List<Partial>> bySource = new(StringComparer.Ordinal);

    /// <summary>A buffer for a job whose slices have <paramref name="sliceLengths"/>.</summary>
    public RoundBuffer(IReadOnlyList<int> sliceLengths)
    {
        ArgumentNullException.ThrowIfNull(sliceLengths);
        lengths = [.. sliceLengths];
        offsets = new int[lengths.Length];
        for (var i = 1; i < lengths.Length; i++)
        {
            offsets[i] = offsets[i - 1] + lengths[i - 1];
        }

        TotalFloats = lengths.Length == 0 ? 0 : offsets[^1] + lengths[^1];
    }

    /// <summary>The length of a whole update.</summary>
    public int TotalFloats { get; }

    /// <summary>How many trainers have a complete round waiting.</summary>
    public int Complete => bySource.Values.Count(rounds => rounds.Count > 0 && rounds[0].IsComplete);

    /// <summary>How many trainers have sent some of a round that is not complete yet.</summary>
    public int Incomplete => bySource.Values.Count(rounds => rounds.Count > 0 && !rounds[0].IsComplete);

    /// <summary>Where slice <paramref name="slice"/> starts in a whole update.</summary>
    public int Offset(int slice) => offsets[slice];

    /// <summary>
    /// Decodes <paramref name="payload"/> (slice <paramref name="slice"/> of <paramref name="source"/>'s
    /// round) into its place; <paramref name="weight"/> is the contribution's weight (a round weighs the
    /// least of its slices' weights). A malformed payload changes nothing.
    /// </summary>
    /// <exception cref="InvalidInputException">the payload is malformed or not finite.</exception>
    public void Add(string source, int slice, double weight, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(source);
        var decoded = new float[lengths[slice]];
        TensorCodecs.ForPayload(payload, source).Decode(payload, decoded, source);
        var bad = PayloadCheck.FirstNonFinite(decoded);
        if (bad >= 0)
        {
            throw new InvalidInputException(source, $"slice {slice}", $"value {bad} is {decoded[bad]}; expected finite numbers");
        }

        if (!bySource.TryGetValue(source, out var rounds))
        {
            rounds = [];
            bySource[source] = rounds;
        }

        var round = rounds.FirstOrDefault(r => !r.Seen[slice]);
        if (round is null)
        {
            round = new Partial(TotalFloats, lengths.Length);
            rounds.Add(round);
        }

        decoded.CopyTo(round.Values.AsSpan(offsets[slice]));
        round.Seen[slice] = true;
        round.Missing--;
        round.Weight = Math.Min(round.Weight, weight);
    }

    /// <summary>Takes the oldest complete round of every trainer that has one, in order of the trainers' names.</summary>
    public IReadOnlyList<RoundContribution> Take()
    {
        var taken = new List<RoundContribution>();
        foreach (var (source, rounds) in bySource.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (rounds.Count > 0 && rounds[0].IsComplete)
            {
                taken.Add(new RoundContribution(source, rounds[0].Values, rounds[0].Weight));
                rounds.RemoveAt(0);
            }
        }

        return taken;
    }

    /// <summary>Drops everything <paramref name="source"/> sent (it left the job, or was quarantined).</summary>
    public void Forget(string source) => bySource.Remove(source);

    private sealed class Partial(int totalFloats, int slices)
    {
        public float[] Values { get; } = new float[totalFloats];

        public bool[] Seen { get; } = new bool[slices];

        public int Missing { get; set; } = slices;

        public double Weight { get; set; } = double.MaxValue;

        public bool IsComplete => Missing == 0;
    }
}
