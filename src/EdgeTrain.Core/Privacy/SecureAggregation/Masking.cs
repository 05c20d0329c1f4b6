namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>
/// The masking arithmetic of secure aggregation (Bonawitz et al., CCS 2017) in its SecAgg+ form, where
/// each trainer pairs only with its neighbours in a sparse graph: trainer i sends
/// <c>x_i + PRG(b_i) + Σ_{j∈N(i), j&gt;i} PRG(s_ij) − Σ_{j∈N(i), j&lt;i} PRG(s_ij)</c> modulo 2³², so the
/// pairwise masks cancel in the sum over trainers that all delivered. For a trainer that dropped out,
/// its surviving neighbours' vectors still carry their masks with it: the aggregator removes them with
/// the pair seeds it recomputes from the dropped trainer's key (recovered from t shares); for a
/// survivor it removes PRG(b_i) (b_i recovered from t shares). For no trainer are both recovered, so
/// the aggregator only ever holds masked vectors and the sum.
/// </summary>
public static class Masking
{
    /// <summary>
    /// The neighbours of <paramref name="self"/> among <paramref name="count"/> trainers: the
    /// <paramref name="degree"/> / 2 nearest on each side of a ring (all others when degree ≥ count − 1).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">self outside 0 … count − 1, or a degree below 1.</exception>
    public static IReadOnlyList<int> Neighbours(int self, int count, int degree)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(self);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(self, count);
        ArgumentOutOfRangeException.ThrowIfLessThan(degree, 1);
        if (degree >= count - 1)
        {
            return [.. Enumerable.Range(0, count).Where(j => j != self)];
        }

        var half = (degree + 1) / 2;
        var result = new SortedSet<int>();
        for (var d = 1; d <= half; d++)
        {
            result.Add((self + d) % count);
            result.Add(((self - d) % count + count) % count);
        }

        return [.. result];
    }

    /// <summary>
    /// A degree that keeps each trainer's cost growing with log n, as SecAgg+ does: about 2·log₂ n,
    /// at least the <paramref name="minimum"/> the threshold needs, at most n − 1.
    /// </summary>
    public static int LogDegree(int count, int minimum) =>
        Math.Min(count - 1, Math.Max(minimum, 2 * (int)Math.Ceiling(Math.Log2(Math.Max(2, count)))));

    /// <summary>The masked vector trainer <paramref name="self"/> sends.</summary>
    /// <param name="input">Its update as fixed-point words.</param>
    /// <param name="self">Its index.</param>
    /// <param name="selfSeed">Its self-mask seed b_i.</param>
    /// <param name="pairSeeds">Its pair seed with each neighbour, by the neighbour's index.</param>
    public static uint[] Mask(ReadOnlySpan<uint> input, int self, ReadOnlySpan<byte> selfSeed, IReadOnlyDictionary<int, byte[]> pairSeeds)
    {
        ArgumentNullException.ThrowIfNull(pairSeeds);
        var masked = input.ToArray();
        MaskStream.Apply(selfSeed, masked, +1);
        foreach (var (other, seed) in pairSeeds)
        {
            MaskStream.Apply(seed, masked, other > self ? +1 : -1);
        }

        return masked;
    }

    /// <summary>
    /// The sum of the survivors' inputs from the sum of their masked vectors: removes each survivor's
    /// self mask and, for each dropped trainer, the pair masks its surviving neighbours added with it.
    /// </summary>
    /// <param name="maskedSum">The sum (mod 2³²) of the masked vectors that arrived.</param>
    /// <param name="survivorSelfSeeds">The self seeds of the trainers whose vectors are in the sum.</param>
    /// <param name="droppedPairs">For each dropped trainer and each surviving neighbour: their pair seed.</param>
    public static uint[] Unmask(ReadOnlySpan<uint> maskedSum, IEnumerable<byte[]> survivorSelfSeeds, IEnumerable<(int Survivor, int Dropped, byte[] Seed)> droppedPairs)
    {
        ArgumentNullException.ThrowIfNull(survivorSelfSeeds);
        ArgumentNullException.ThrowIfNull(droppedPairs);
        var sum = maskedSum.ToArray();
        foreach (var seed in survivorSelfSeeds)
        {
            MaskStream.Apply(seed, sum, -1);
        }

        foreach (var (survivor, dropped, seed) in droppedPairs)
        {
            // the survivor added it with + when the dropped one's index is higher, − otherwise
            MaskStream.Apply(seed, sum, dropped > survivor ? -1 : +1);
        }

        return sum;
    }

    /// <summary>Adds <paramref name="vector"/> into <paramref name="sum"/> modulo 2³².</summary>
    public static void Add(Span<uint> sum, ReadOnlySpan<uint> vector)
    {
        if (sum.Length != vector.Length)
        {
            throw new ArgumentException($"expected {sum.Length} words, found {vector.Length}", nameof(vector));
        }

        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] = unchecked(sum[i] + vector[i]);
        }
    }
}
