namespace EdgeTrain.Core.Codecs;

/// <summary>Picks the indices of the k largest-magnitude values in two histogram passes (a radix select).</summary>
internal static class TopKSelection
{
    private const int Buckets = 1 << 16;

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

        // for non-negative floats the bit pattern orders like the value
        var histogram = new int[Buckets];
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

        Array.Clear(histogram);
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

        return indices;
    }

    private static uint Key(float value) => BitConverter.SingleToUInt32Bits(value) & 0x7FFF_FFFF;
}
