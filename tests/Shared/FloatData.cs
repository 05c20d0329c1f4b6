namespace EdgeTrain.Tests;

/// <summary>Float vectors for tests and a bitwise comparison of them.</summary>
internal static class FloatData
{
    /// <summary>start, start + step, start + 2·step, …</summary>
    public static float[] Ramp(int length, float start, float step) =>
        Enumerable.Range(0, length).Select(i => start + (i * step)).ToArray();

    /// <summary>Seeded values in [−1, 1), as an update a trainer might send.</summary>
    public static float[] Update(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
    }

    /// <summary>Asserts the two vectors hold the same bits (NaN payloads and −0 included).</summary>
    public static void AssertBitwiseEqual(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"value {i}: expected {expected[i]:R} (bits {BitConverter.SingleToInt32Bits(expected[i]):X8}), found {actual[i]:R} (bits {BitConverter.SingleToInt32Bits(actual[i]):X8})");
        }
    }
}
