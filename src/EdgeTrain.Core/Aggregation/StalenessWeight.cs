namespace EdgeTrain.Core.Aggregation;

/// <summary>
/// The weight of an asynchronous update: its sample count damped by how many versions old the
/// parameters were that it was computed on, <c>samples / (1 + staleness)^exponent</c>.
/// </summary>
public static class StalenessWeight
{
    /// <summary>
    /// <c>samples / (1 + staleness)^exponent</c>; a negative staleness counts as 0, exponent 0 ignores staleness.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="samples"/> is not a finite number greater than 0, or <paramref name="exponent"/> is negative or not finite.
    /// </exception>
    public static double Of(double samples, long staleness, double exponent = 0.5)
    {
        if (!(samples > 0) || !double.IsFinite(samples))
        {
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "samples must be a finite number greater than 0");
        }

        if (!(exponent >= 0) || !double.IsFinite(exponent))
        {
            throw new ArgumentOutOfRangeException(nameof(exponent), exponent, "the exponent must be a finite number, 0 or more");
        }

        return samples / Math.Pow(1.0 + Math.Max(staleness, 0L), exponent);
    }
}
