namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>
/// Updates as fixed point modulo 2^<see cref="Bits"/>, so that masks cancel exactly: each value is clipped to
/// [−<see cref="Clip"/>, <see cref="Clip"/>], shifted to [0, 2·clip] and scaled so that the sum of
/// <see cref="Participants"/> of them stays below 2^bits (no wrap-around of the true sum). Words travel as 32
/// or 16 bits; the masking arithmetic is always modulo 2³², which 2¹⁶ divides, so a 16-bit word is the low
/// half of the 32-bit one and sums of low halves are the low halves of sums.
/// </summary>
/// <param name="Clip">The bound of each value's magnitude.</param>
/// <param name="Participants">At most how many updates are summed.</param>
/// <param name="Bits">The word width on the wire: 32 or 16.</param>
public sealed record FixedPoint(double Clip, int Participants, int Bits = 32)
{
    /// <summary>The fewest quantisation levels per value that 16-bit words must leave (10 bits: more than an int8 codec's).</summary>
    public const int MinimumCompactLevels = 1024;

    /// <summary>The mask of a word's bits.</summary>
    public uint WordMask => Bits >= 32 ? uint.MaxValue : (1u << Bits) - 1;

    /// <summary>Quantisation steps per unit.</summary>
    public double Scale => Math.Floor((double)WordMask / Participants) / (2 * Clip);

    /// <summary>The resolution: the largest rounding error of one value.</summary>
    public double Resolution => 0.5 / Scale;

    /// <summary>
    /// The word width for a round of <paramref name="participants"/> whose updates went through a codec of
    /// <paramref name="quantised"/> precision (fp16, bf16, int8): 16 bits while they leave at least
    /// <see cref="MinimumCompactLevels"/> levels per value, else 32.
    /// </summary>
    public static int BitsFor(bool quantised, int participants) =>
        quantised && ushort.MaxValue / Math.Max(1, participants) >= MinimumCompactLevels ? 16 : 32;

    /// <summary>The fixed-point words of <paramref name="values"/>.</summary>
    public uint[] Encode(ReadOnlySpan<float> values)
    {
        var words = new uint[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var v = float.IsNaN(values[i]) ? 0 : Math.Clamp(values[i], -Clip, Clip);
            words[i] = (uint)Math.Round((v + Clip) * Scale);
        }

        return words;
    }

    /// <summary>The sum of the <paramref name="count"/> updates whose words sum (modulo 2^bits) to <paramref name="sum"/>.</summary>
    public float[] DecodeSum(ReadOnlySpan<uint> sum, int count)
    {
        var values = new float[sum.Length];
        var mask = WordMask;
        for (var i = 0; i < sum.Length; i++)
        {
            values[i] = (float)(((sum[i] & mask) / Scale) - (count * Clip));
        }

        return values;
    }
}
