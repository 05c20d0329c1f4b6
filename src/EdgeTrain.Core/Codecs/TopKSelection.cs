using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace EdgeTrain.Core.Codecs;

/// <summary>
/// Picks the indices of the k largest-magnitude values. The result is defined by the k-th largest
/// magnitude T: every value above T, then the values equal to T from the lowest index up. Two ways
/// reach the same T: for a small fraction of a large slice, a threshold from a strided sample keeps
/// a few candidates in one vectorised pass and T is found among them; otherwise (or when the sample
/// misleads: too few or too many candidates) two histogram passes over every value (a radix select).
/// </summary>
internal static class TopKSelection
{
    private const int Buckets = 1 << 16;

    /// <summary>Slices shorter than this go straight to the histogram passes.</summary>
    private const int SampledFrom = 16_384;

    /// <summary>Values in the strided sample.</summary>
    private const int SampleSize = 4_096;

    /// <summary>
    /// The indices, ascending, of <paramref name="k"/> values of largest magnitude; ties at the
    /// threshold go to the lower indices. The values must be finite.
    /// </summary>
    public static int[] Select(ReadOnlySpan<float> values, int k)
    {
        var indices = new int[k];
        if (k == 0)
        {
            return indices;
        }

        if (values.Length < SampledFrom || (long)k * 16 > values.Length || !TrySelectFromSample(values, k, indices))
        {
            SelectByHistogram(values, k, indices);
        }

        return indices;
    }

    /// <summary>The k-th largest magnitude among the candidates above a sampled threshold; false when the sample misled.</summary>
    private static bool TrySelectFromSample(ReadOnlySpan<float> values, int k, int[] indices)
    {
        // the rank in the sample that k is expected at, plus a margin of about three standard deviations
        var expected = (double)k * SampleSize / values.Length;
        var rank = (int)Math.Ceiling(expected + (3 * Math.Sqrt(expected)) + 4);
        var stride = values.Length / SampleSize;
        Span<uint> sample = stackalloc uint[SampleSize];
        for (var j = 0; j < SampleSize; j++)
        {
            sample[j] = Key(values[(j * stride) + (stride / 2)]);
        }

        var threshold = KthLargest(sample, rank, out _);
        var capacity = Math.Min(values.Length, (8 * k) + 4_096);
        var candidates = ArrayPool<int>.Shared.Rent(capacity);
        var keys = ArrayPool<uint>.Shared.Rent(capacity);
        try
        {
            var found = Candidates(values, threshold, candidates.AsSpan(0, capacity), keys.AsSpan(0, capacity));
            if (found < k)
            {
                // too few (the k-th largest is below the sampled threshold) or too many (found < 0)
                return false;
            }

            var kth = KthLargest(keys.AsSpan(0, found), k, out var remaining);
            var taken = 0;
            for (var c = 0; c < found && taken < k; c++)
            {
                if (keys[c] > kth || (keys[c] == kth && remaining-- > 0))
                {
                    indices[taken++] = candidates[c];
                }
            }

            return true;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(candidates);
            ArrayPool<uint>.Shared.Return(keys);
        }
    }

    /// <summary>
    /// The indices (ascending) and magnitude keys of every value whose key is at least
    /// <paramref name="threshold"/>: how many there are, or −1 when they do not fit.
    /// </summary>
    private static int Candidates(ReadOnlySpan<float> values, uint threshold, Span<int> candidates, Span<uint> keys)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        var found = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref var from = ref MemoryMarshal.GetReference(bits);
            var magnitude = new Vector<uint>(0x7FFF_FFFF);
            var limit = new Vector<uint>(threshold);
            for (; i <= bits.Length - Vector<uint>.Count; i += Vector<uint>.Count)
            {
                if (Vector.GreaterThanOrEqualAny(Vector.LoadUnsafe(ref from, (nuint)i) & magnitude, limit))
                {
                    for (var lane = i; lane < i + Vector<uint>.Count; lane++)
                    {
                        var key = bits[lane] & 0x7FFF_FFFF;
                        if (key >= threshold && !Add(lane, key, ref found, candidates, keys))
                        {
                            return -1;
                        }
                    }
                }
            }
        }

        for (; i < bits.Length; i++)
        {
            var key = bits[i] & 0x7FFF_FFFF;
            if (key >= threshold && !Add(i, key, ref found, candidates, keys))
            {
                return -1;
            }
        }

        return found;
    }

    private static bool Add(int index, uint key, ref int found, Span<int> candidates, Span<uint> keys)
    {
        if (found == candidates.Length)
        {
            return false;
        }

        candidates[found] = index;
        keys[found++] = key;
        return true;
    }

    /// <summary>
    /// The k-th largest of <paramref name="keys"/> (1 ≤ k ≤ length) in three radix passes of 11, 11 and 10 bits;
    /// <paramref name="remaining"/> is how many keys equal to it rank among the k largest.
    /// </summary>
    private static uint KthLargest(ReadOnlySpan<uint> keys, int k, out int remaining)
    {
        Span<int> histogram = stackalloc int[1 << 11];
        uint prefix = 0;
        uint prefixMask = 0;
        remaining = k;
        foreach (var (shift, width) in (ReadOnlySpan<(int, int)>)[(21, 11), (10, 11), (0, 10)])
        {
            var digits = (1u << width) - 1;
            var counts = histogram[..(1 << width)];
            counts.Clear();
            foreach (var key in keys)
            {
                if ((key & prefixMask) == prefix)
                {
                    counts[(int)((key >> shift) & digits)]++;
                }
            }

            var digit = (int)digits;
            while (counts[digit] < remaining)
            {
                remaining -= counts[digit];
                digit--;
            }

            prefix |= (uint)digit << shift;
            prefixMask |= digits << shift;
        }

        return prefix;
    }

    /// <summary>The k-th largest key from two 16-bit histograms over every value, then one scan.</summary>
    private static void SelectByHistogram(ReadOnlySpan<float> values, int k, int[] indices)
    {
        // for non-negative floats the bit pattern orders like the value
        var histogram = ArrayPool<int>.Shared.Rent(Buckets);
        try
        {
            Array.Clear(histogram, 0, Buckets);
            foreach (var value in values)
            {
                histogram[Key(value) >> 16]++;
            }

            var remaining = k;
            var high = Buckets - 1;
            while (histogram[high] < remaining)
            {
                remaining -= histogram[high];
                high--;
            }

            Array.Clear(histogram, 0, Buckets);
            foreach (var value in values)
            {
                var key = Key(value);
                if (key >> 16 == high)
                {
                    histogram[key & 0xFFFF]++;
                }
            }

            var low = Buckets - 1;
            while (histogram[low] < remaining)
            {
                remaining -= histogram[low];
                low--;
            }

            var threshold = ((uint)high << 16) | (uint)low;
            var taken = 0;
            for (var i = 0; i < values.Length && taken < k; i++)
            {
                var key = Key(values[i]);
                if (key > threshold || (key == threshold && remaining-- > 0))
                {
                    indices[taken++] = i;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(histogram);
        }
    }

    private static uint Key(float value) => BitConverter.SingleToUInt32Bits(value) & 0x7FFF_FFFF;
}
