using System.Diagnostics;

namespace EdgeTrain.Seed.Bench;

/// <summary>
/// Wall-clock latencies in log-spaced buckets 1 % wide (from 1 ns to well over a minute), so that
/// millions of samples take a few kilobytes: percentiles are within 1 % of the exact ones; the
/// largest and the total are exact.
/// </summary>
internal sealed class LatencyHistogram
{
    private const double Growth = 1.01;
    private static readonly double LogGrowth = Math.Log(Growth);
    private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;
    private readonly long[] buckets = new long[2600];
    private long maxTicks;
    private long totalTicks;

    /// <summary>How many latencies were added.</summary>
    public long Count { get; private set; }

    /// <summary>The sum of all latencies, in seconds.</summary>
    public double TotalSeconds => totalTicks / (double)Stopwatch.Frequency;

    /// <summary>The largest latency, in seconds.</summary>
    public double MaxSeconds => maxTicks / (double)Stopwatch.Frequency;

    /// <summary>Adds one latency measured in <see cref="Stopwatch"/> ticks.</summary>
    public void Add(long ticks)
    {
        Count++;
        totalTicks += ticks;
        maxTicks = Math.Max(maxTicks, ticks);
        var nanoseconds = ticks * NanosecondsPerTick;
        var bucket = nanoseconds <= 1 ? 0 : (int)(Math.Log(nanoseconds) / LogGrowth) + 1;
        buckets[Math.Min(bucket, buckets.Length - 1)]++;
    }

    /// <summary>The latency below which a fraction <paramref name="quantile"/> (0 to 1) of them lie, in seconds (0 when empty).</summary>
    public double Percentile(double quantile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * Count));
        long seen = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            seen += buckets[i];
            if (seen >= rank)
            {
                // the bucket's geometric middle, never above the largest latency seen
                var nanoseconds = i == 0 ? 1 : Math.Pow(Growth, i - 0.5);
                return Math.Min(nanoseconds / 1e9, MaxSeconds);
            }
        }

        return MaxSeconds;
    }
}
