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

    /// <summary>
    /// <paramref name="values"/> as a raw float32 payload (<see cref="Core.Codecs.CodecKind.None"/>):
    /// kind byte, element count, values. Written by hand, so NaN and ±Inf go in as they are.
    /// </summary>
    public static byte[] Raw(params float[] values)
    {
        var payload = new byte[5 + (values.Length * sizeof(float))];
        payload[0] = (byte)Core.Codecs.CodecKind.None;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(1), values.Length);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(payload.AsSpan(5));
        return payload;
    }

    /// <summary>Decodes a payload of any codec (as many floats as its header says).</summary>
    public static float[] Decoded(byte[] payload)
    {
        var values = new float[System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(1))];
        Core.Codecs.TensorCodecs.ForPayload(payload, "test").Decode(payload, values, "test");
        return values;
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
