namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>
/// Updates as fixed point modulo 2³², so that masks cancel exactly: each value is clipped to
/// [−<see cref="Clip"/>, <see cref="Clip"/>], shifted to [0, 2·clip] and scaled so that the sum of
/// <see cref="Participants"/> of them stays below 2³² (no wrap-around of the true sum).
/// </summary>
/// <param name="Clip">The bound of each value's magnitude.</param>
/// <param name="Participants">At most how many updates are summed.</param>
public sealed record FixedPoint(double Clip, int Participants)
{
    /// <summary>Quantisation steps per unit.</summary>
    public double Scale => Math.Floor((double)uint.MaxValue / Participants) / (2 * Clip);

    /// <summary>The resolution: the largest rounding error of one value.</summary>
    public double Resolution => 0.5 / Scale;

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

    /// <summary>The sum of the <paramref name="count"/> updates whose words sum (mod 2³²) to <paramref name="sum"/>.</summary>
    public float[] DecodeSum(ReadOnlySpan<uint> sum, int count)
    {
        var values = new float[sum.Length];
        for (var i = 0; i < sum.Length; i++)
        {
            values[i] = (float)((sum[i] / Scale) - (count * Clip));
        }

        return values;
    }
}
