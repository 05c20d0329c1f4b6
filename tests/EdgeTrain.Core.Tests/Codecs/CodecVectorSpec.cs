using System.Buffers.Binary;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Tests;

namespace EdgeTrain.Core.Tests.Codecs;

/// <summary>
/// The vectorised codec paths give bit for bit what the scalar rules give, at every length (vector body
/// and scalar tail), every int8 block size, and for top-k both selection paths (sampled and histogram).
/// </summary>
public sealed class CodecVectorSpec
{
    private const int Header = 5;

    /// <summary>Lengths around the vector widths (4, 8, 16 floats; 16, 32, 64 bytes) and a slice plus a tail.</summary>
    public static TheoryData<int> Lengths => new(0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1_000, 262_147);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Bf16_encodes_every_value_as_the_scalar_rounding_does(int length)
    {
        var values = AwkwardFloats(length, 1);
        var payload = CodecSamples.Codec(CodecKind.Bf16).Encode(values);
        for (var i = 0; i < length; i++)
        {
            var found = BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(Header + (2 * i)));
            Assert.True(found == ScalarBf16(values[i]), $"value {i} ({values[i]:R}, bits {BitConverter.SingleToUInt32Bits(values[i]):X8}): {found:X4}, expected {ScalarBf16(values[i]):X4}");
        }
    }

    [Fact]
    public void Bf16_rounds_the_edge_cases_as_the_scalar_rule_does()
    {
        uint[] bits =
        [
            0x0000_0000, 0x8000_0000, // ±0
            0x0000_0001, 0x8000_0001, 0x0000_8000, 0x0001_8000, 0x007F_FFFF, 0x807F_FFFF, // subnormals and their ties
            0x3F80_8000, 0x3F81_8000, 0x3F80_7FFF, 0x3F80_8001, // ties to even, just below, just above
            0x7F7F_7FFF, 0x7F7F_8000, 0x7F7F_FFFF, 0xFF7F_8000, 0xFF7F_FFFF, // near the largest: down, saturate
            0x7F7E_8000, 0x7F7E_8001, 0xFF7E_FFFF,
        ];
        // repeated so that every edge lands in the vector body and again in the tail
        var values = Enumerable.Repeat(bits, 4).SelectMany(b => b).Select(BitConverter.UInt32BitsToSingle).Append(1f).ToArray();
        var payload = CodecSamples.Codec(CodecKind.Bf16).Encode(values);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(ScalarBf16(values[i]), BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(Header + (2 * i))));
        }

        Assert.Equal(0x7F7F, ScalarBf16(float.MaxValue)); // would round to infinity: saturates
    }

    [Fact]
    public void Bf16_decodes_and_merges_every_finite_pattern_exactly()
    {
        var patterns = Enumerable.Range(0, 1 << 16).Select(b => (ushort)b).Where(b => (b & 0x7F80) != 0x7F80).ToArray();
        var payload = Bf16Payload(patterns);
        var codec = CodecSamples.Codec(CodecKind.Bf16);
        var decoded = CodecSamples.Decode(codec, payload, patterns.Length);
        FloatData.AssertBitwiseEqual(patterns.Select(b => BitConverter.UInt32BitsToSingle((uint)b << 16)).ToArray(), decoded);

        var accumulator = CodecSamples.Values(patterns.Length, 3);
        var expected = accumulator.Select((a, i) => a + (decoded[i] * 0.37f)).ToArray();
        codec.MergeInto(payload, accumulator, 0.37f, "test");
        FloatData.AssertBitwiseEqual(expected, accumulator);
    }

    [Theory]
    [InlineData(17, 0)]
    [InlineData(17, 16)]
    [InlineData(40, 33)]
    [InlineData(40, 39)]
    public void Bf16_refuses_non_finite_values_in_the_body_and_the_tail(int length, int at)
    {
        var codec = CodecSamples.Codec(CodecKind.Bf16);
        var values = CodecSamples.Values(length, 4);
        values[at] = float.NaN;
        Assert.Contains($"value {at} is NaN", Assert.Throws<ArgumentException>(() => codec.Encode(values)).Message, StringComparison.Ordinal);

        foreach (var bad in new ushort[] { 0x7F80, 0xFF80, 0x7FC0 })
        {
            var payload = codec.Encode(CodecSamples.Values(length, 4));
            BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(Header + (2 * at)), bad);
            var accumulator = new float[length];
            Assert.Contains($"value {at} is", Assert.Throws<InvalidInputException>(() => codec.MergeInto(payload, accumulator, 1f, "test")).Problem, StringComparison.Ordinal);
            Assert.All(accumulator, a => Assert.Equal(0f, a));
            Assert.Throws<InvalidInputException>(() => codec.Decode(payload, accumulator, "test"));
        }
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(1, 1_000)]
    [InlineData(7, 1_000)]
    [InlineData(31, 1_000)]
    [InlineData(32, 1_000)]
    [InlineData(33, 1_000)]
    [InlineData(64, 65)]
    [InlineData(256, 262_147)]
    [InlineData(1_000, 262_147)]
    [InlineData(256, 33)]
    public void Int8_encodes_decodes_and_merges_as_the_scalar_rule_does(int blockSize, int length)
    {
        var values = Int8Values(length, blockSize, 5);
        var codec = TensorCodecs.For(new CodecSpec(CodecKind.Int8, BlockSize: blockSize));
        var payload = codec.Encode(values);

        var blocks = (length + blockSize - 1) / blockSize;
        var quantized = new sbyte[length];
        var scales = new float[blocks];
        for (var b = 0; b < blocks; b++)
        {
            var start = b * blockSize;
            scales[b] = ScalarQuantize(values.AsSpan(start, Math.Min(blockSize, length - start)), quantized.AsSpan(start));
        }

        var body = payload.AsSpan(Header);
        Assert.Equal((uint)blockSize, BinaryPrimitives.ReadUInt32LittleEndian(body));
        for (var b = 0; b < blocks; b++)
        {
            Assert.Equal(BitConverter.SingleToUInt32Bits(scales[b]), BinaryPrimitives.ReadUInt32LittleEndian(body[(4 + (4 * b))..]));
        }

        var bytes = body[(4 + (4 * blocks))..];
        for (var i = 0; i < length; i++)
        {
            Assert.True(quantized[i] == (sbyte)bytes[i], $"value {i} ({values[i]:R}, scale {scales[i / blockSize]:R}): {(sbyte)bytes[i]}, expected {quantized[i]}");
        }

        var expected = quantized.Select((q, i) => q * scales[i / blockSize]).ToArray();
        FloatData.AssertBitwiseEqual(expected, CodecSamples.Decode(codec, payload, length));

        var accumulator = CodecSamples.Values(length, 6);
        var merged = accumulator.Select((a, i) => a + (expected[i] * 0.37f)).ToArray();
        codec.MergeInto(payload, accumulator, 0.37f, "test");
        FloatData.AssertBitwiseEqual(merged, accumulator);
    }

    [Theory]
    [InlineData(262_144, 0.01)]
    [InlineData(262_144, 0.001)]
    [InlineData(262_144, 0.05)]
    [InlineData(300_007, 0.01)]
    [InlineData(16_384, 0.01)]
    [InlineData(16_383, 0.01)]
    [InlineData(50_000, 0.2)]
    public void Top_k_picks_the_same_indices_as_a_full_sort_on_gradient_like_values(int length, double fraction) =>
        AssertSameAsSort(CodecSamples.Values(length, 7), fraction);

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.001)]
    public void Top_k_breaks_many_ties_towards_lower_indices(double fraction)
    {
        // a handful of distinct magnitudes, both signs and ±0: ties straddle the threshold
        var random = new Random(8);
        var values = Enumerable.Range(0, 262_144).Select(_ => random.Next(12) switch
        {
            0 => -0f,
            1 => 0f,
            var n => (n % 2 == 0 ? 1 : -1) * MathF.Pow(2, -n) * (random.Next(50) == 0 ? 8 : 1),
        }).ToArray();
        AssertSameAsSort(values, fraction);
    }

    [Fact]
    public void Top_k_of_equal_values_takes_the_lowest_indices() =>
        // every value is a candidate: the sampled path gives up and the histogram path answers
        AssertSameAsSort(Enumerable.Repeat(0.5f, 262_144).Select((v, i) => i % 3 == 0 ? -v : v).ToArray(), 0.01);

    [Fact]
    public void Top_k_is_exact_when_the_sample_sees_only_large_values()
    {
        // every sampled position (stride 64, offset 32) holds a large value, but 5% is more than them all:
        // the sampled threshold keeps too few candidates and the histogram path answers
        var values = CodecSamples.Values(262_144, 9).Select(v => v / 100).ToArray();
        for (var i = 32; i < values.Length; i += 64)
        {
            values[i] = 50 + (i % 7);
        }

        AssertSameAsSort(values, 0.05);
        AssertSameAsSort(values, 0.01);
    }

    [Fact]
    public void Top_k_is_exact_on_sorted_and_periodic_slices()
    {
        var ascending = Enumerable.Range(0, 262_144).Select(i => i * 1e-3f).ToArray();
        AssertSameAsSort(ascending, 0.01);
        AssertSameAsSort(ascending.Reverse().ToArray(), 0.01);
        AssertSameAsSort(Enumerable.Range(0, 262_144).Select(i => (float)Math.Sin(i * 0.1)).ToArray(), 0.01);
    }

    private static void AssertSameAsSort(float[] values, double fraction)
    {
        var k = Math.Max(1, (int)Math.Ceiling(fraction * values.Length));
        var expected = Enumerable.Range(0, values.Length)
            .OrderByDescending(i => BitConverter.SingleToUInt32Bits(values[i]) & 0x7FFF_FFFF)
            .ThenBy(i => i)
            .Take(k)
            .Order()
            .ToArray();
        foreach (var kind in new[] { CodecKind.TopK, CodecKind.TopKInt8 })
        {
            var payload = TensorCodecs.For(new CodecSpec(kind, TopKFraction: fraction)).Encode(values);
            Assert.Equal(expected, TopKIndices(payload, kind));
        }
    }

    /// <summary>The indices a top-k payload carries (the format in <see cref="CodecKind.TopK"/>).</summary>
    private static int[] TopKIndices(byte[] payload, CodecKind kind)
    {
        var k = (int)BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(Header));
        var at = Header + 4 + (kind == CodecKind.TopKInt8 ? 4 : 0);
        var indices = new int[k];
        var index = 0;
        for (var j = 0; j < k; j++)
        {
            uint delta = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = payload[at++];
                delta |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    break;
                }
            }

            index += (int)delta;
            indices[j] = index;
        }

        return indices;
    }

    private static byte[] Bf16Payload(ushort[] bits)
    {
        var payload = new byte[Header + (2 * bits.Length)];
        payload[0] = (byte)CodecKind.Bf16;
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(1), (uint)bits.Length);
        for (var i = 0; i < bits.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(Header + (2 * i)), bits[i]);
        }

        return payload;
    }

    /// <summary>Random finite bit patterns of every exponent, with ±0, subnormals, exact ties and near-overflow values mixed in.</summary>
    private static float[] AwkwardFloats(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            uint bits;
            do
            {
                bits = (uint)random.NextInt64(0, 1L << 32);
                bits = random.Next(8) switch
                {
                    0 => bits & 0x8000_0000, // ±0
                    1 => bits & 0x807F_FFFF, // subnormal
                    2 => (bits & 0xFFFF_0000) | 0x8000, // a tie
                    3 => (bits & 0x8000_FFFF) | 0x7F7F_0000, // near the largest float
                    _ => bits,
                };
            }
            while ((bits & 0x7F80_0000) == 0x7F80_0000);
            values[i] = BitConverter.UInt32BitsToSingle(bits);
        }

        return values;
    }

    /// <summary>Gradient-like values, with blocks whose maximum is 127 and whose other values are exact halves (ties), zeros and subnormals.</summary>
    private static float[] Int8Values(int length, int blockSize, int seed)
    {
        var random = new Random(seed);
        var values = CodecSamples.Values(length, seed);
        for (var start = 0; start < length; start += blockSize)
        {
            var end = Math.Min(length, start + blockSize);
            switch ((start / blockSize) % 4)
            {
                case 0:
                    // scale exactly 1: every v / scale is v, and n + 0.5 is a tie
                    for (var i = start; i < end; i++)
                    {
                        values[i] = (random.Next(-127, 127) + (random.Next(2) * 0.5f)) * (i % 2 == 0 ? 1 : -1);
                    }

                    values[start] = 127f;
                    break;
                case 1:
                    for (var i = start; i < end; i++)
                    {
                        values[i] = i % 3 == 0 ? -0f : BitConverter.UInt32BitsToSingle((uint)random.Next(1, 0x007F_FFFF));
                    }

                    break;
                case 2:
                    values.AsSpan(start, end - start).Clear();
                    break;
            }
        }

        return values;
    }

    /// <summary>The bf16 rule the codec was written with: round to nearest even on the bits, saturate instead of overflowing.</summary>
    private static ushort ScalarBf16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var rounded = (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
        return (rounded & 0x7F80) == 0x7F80 ? (ushort)((rounded & 0x8000) | 0x7F7F) : rounded;
    }

    /// <summary>The int8 rule the codec was written with: scale max |v| / 127, round(v / scale) to even, clamp to ±127.</summary>
    private static float ScalarQuantize(ReadOnlySpan<float> values, Span<sbyte> quantized)
    {
        var max = 0f;
        foreach (var value in values)
        {
            max = Math.Max(max, Math.Abs(value));
        }

        var scale = max / 127f;
        for (var i = 0; i < values.Length; i++)
        {
            quantized[i] = scale == 0 ? (sbyte)0 : (sbyte)Math.Clamp(MathF.Round(values[i] / scale), -127f, 127f);
        }

        return scale;
    }
}
