namespace EdgeTrain.Benchmarks;

/// <summary>The 1 MiB slice every benchmark works on, and the <c>Buffer.MemoryCopy</c> ceiling.</summary>
internal static class Slice
{
    /// <summary>Floats in one slice: 262,144 × 4 bytes = 1 MiB.</summary>
    public const int Floats = 262_144;

    /// <summary>Bytes in one slice.</summary>
    public const int Bytes = Floats * sizeof(float);

    /// <summary>Deterministic values in [-1, 1).</summary>
    public static float[] Random(int seed)
    {
        var random = new Random(seed);
        var values = new float[Floats];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    /// <summary>Copies one slice's bytes from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public static unsafe void MemoryCopy(float[] source, float[] destination)
    {
        fixed (float* from = source)
        fixed (float* to = destination)
        {
            Buffer.MemoryCopy(from, to, Bytes, Bytes);
        }
    }
}
