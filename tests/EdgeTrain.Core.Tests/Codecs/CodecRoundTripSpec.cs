using EdgeTrain.Core.Codecs;

namespace EdgeTrain.Core.Tests.Codecs;

public sealed class CodecRoundTripSpec
{
    public static TheoryData<CodecKind, int> Cases()
    {
        var data = new TheoryData<CodecKind, int>();
        foreach (var kind in CodecSamples.Kinds)
        {
            foreach (var length in CodecSamples.Lengths)
            {
                data.Add(kind, length);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_codec_reports_its_kind_and_writes_it_first(CodecKind kind, int length)
    {
        var codec = CodecSamples.Codec(kind);
        Assert.Equal(kind, codec.Kind);
        Assert.Equal((byte)kind, codec.Encode(CodecSamples.Values(length, 1))[0]);
    }

    [Theory]
    [MemberData(nameof(CodecSamples.LengthData), MemberType = typeof(CodecSamples))]
    public void None_round_trips_exactly(int length)
    {
        var values = CodecSamples.Values(length, 2);
        var codec = CodecSamples.Codec(CodecKind.None);
        Assert.Equal(values, CodecSamples.Decode(codec, codec.Encode(values), length));
    }

    [Theory]
    [InlineData(CodecKind.Fp16, 1)]
    [InlineData(CodecKind.Fp16, 7)]
    [InlineData(CodecKind.Fp16, 1_000)]
    [InlineData(CodecKind.Fp16, 262_144)]
    [InlineData(CodecKind.Bf16, 1)]
    [InlineData(CodecKind.Bf16, 7)]
    [InlineData(CodecKind.Bf16, 1_000)]
    [InlineData(CodecKind.Bf16, 262_144)]
    public void Half_precision_round_trips_within_its_relative_error(CodecKind kind, int length)
    {
        // fp16 keeps 11 significant bits (relative error ≤ 2^-11 ≈ 4.9e-4), bf16 keeps 8 (≤ 2^-9 ≈ 2e-3)
        var relative = kind == CodecKind.Fp16 ? 1e-3 : 4e-3;
        var values = CodecSamples.Values(length, 3);
        var codec = CodecSamples.Codec(kind);
        var decoded = CodecSamples.Decode(codec, codec.Encode(values), length);
        for (var i = 0; i < length; i++)
        {
            Assert.True(
                Math.Abs(decoded[i] - values[i]) <= (Math.Abs(values[i]) * relative) + 1e-7,
                $"value {i}: {values[i]} came back as {decoded[i]}");
        }
    }

    [Theory]
    [InlineData(1f, 1f)]
    [InlineData(1.00390625f, 1f)] // exactly halfway between 1 and 1 + 2^-7: ties to the even 1
    [InlineData(1.01171875f, 1.015625f)] // halfway between 1 + 2^-7 and 1 + 2^-6: ties to the even 1 + 2^-6
    [InlineData(1.0039065f, 1.0078125f)] // just above halfway: up
    [InlineData(-2.5f, -2.5f)]
    [InlineData(3.4e38f, 3.3895314e38f)] // would round to infinity: saturates
    public void Bf16_rounds_to_nearest_even(float value, float expected)
    {
        var codec = CodecSamples.Codec(CodecKind.Bf16);
        Assert.Equal(expected, CodecSamples.Decode(codec, codec.Encode([value]), 1)[0]);
    }

    [Fact]
    public void Fp16_saturates_values_beyond_its_range()
    {
        var codec = CodecSamples.Codec(CodecKind.Fp16);
        Assert.Equal([65_504f, -65_504f, 1f], CodecSamples.Decode(codec, codec.Encode([1e6f, -70_000f, 1f]), 3));
    }

    [Theory]
    [InlineData(1, 256)]
    [InlineData(7, 256)]
    [InlineData(1_000, 256)]
    [InlineData(1_000, 7)]
    [InlineData(262_144, 256)]
    [InlineData(262_144, 1_000)]
    public void Int8_round_trips_within_half_a_step_of_its_block(int length, int blockSize)
    {
        var values = CodecSamples.Values(length, 4);
        var codec = TensorCodecs.For(new CodecSpec(CodecKind.Int8, BlockSize: blockSize));
        var decoded = CodecSamples.Decode(codec, codec.Encode(values), length);
        for (var start = 0; start < length; start += blockSize)
        {
            var block = values.AsSpan(start, Math.Min(blockSize, length - start));
            var scale = block.ToArray().Max(Math.Abs) / 127f;
            for (var i = 0; i < block.Length; i++)
            {
                Assert.True(
                    Math.Abs(decoded[start + i] - block[i]) <= (scale / 2) * (1 + 1e-5),
                    $"value {start + i}: {block[i]} came back as {decoded[start + i]} (scale {scale})");
            }
        }
    }

    [Fact]
    public void Int8_of_all_zeros_is_all_zeros()
    {
        var codec = CodecSamples.Codec(CodecKind.Int8);
        Assert.Equal(new float[300], CodecSamples.Decode(codec, codec.Encode(new float[300]), 300));
    }

    [Theory]
    [MemberData(nameof(CodecSamples.LengthData), MemberType = typeof(CodecSamples))]
    public void Top_k_keeps_the_largest_magnitudes_exactly_and_zeroes_the_rest(int length)
    {
        var values = CodecSamples.Values(length, 5);
        var codec = CodecSamples.Codec(CodecKind.TopK);
        var decoded = CodecSamples.Decode(codec, codec.Encode(values), length);

        var k = Math.Max(1, (int)Math.Ceiling(0.01 * length));
        var kept = Enumerable.Range(0, length).Where(i => decoded[i] != 0).ToArray();
        Assert.Equal(k, kept.Length);
        Assert.All(kept, i => Assert.Equal(values[i], decoded[i]));
        var smallestKept = kept.Min(i => Math.Abs(values[i]));
        var keptSet = kept.ToHashSet();
        Assert.All(Enumerable.Range(0, length).Where(i => !keptSet.Contains(i)), i => Assert.True(Math.Abs(values[i]) <= smallestKept));
    }

    [Fact]
    public void Top_k_breaks_ties_towards_lower_indices()
    {
        var codec = TensorCodecs.For(new CodecSpec(CodecKind.TopK, TopKFraction: 0.5));
        Assert.Equal([0f, 2f, 0f, -2f, 0f, 2f], CodecSamples.Decode(codec, codec.Encode([1f, 2f, 1f, -2f, 1f, 2f]), 6));
        Assert.Equal([3f, 1f, 0f, 0f], CodecSamples.Decode(codec, codec.Encode([3f, 1f, 1f, 0f]), 4));
    }

    [Theory]
    [MemberData(nameof(CodecSamples.LengthData), MemberType = typeof(CodecSamples))]
    public void Top_k_int8_keeps_the_same_entries_within_half_a_step(int length)
    {
        var values = CodecSamples.Values(length, 6);
        var exact = CodecSamples.Decode(CodecSamples.Codec(CodecKind.TopK), CodecSamples.Codec(CodecKind.TopK).Encode(values), length);
        var codec = CodecSamples.Codec(CodecKind.TopKInt8);
        var decoded = CodecSamples.Decode(codec, codec.Encode(values), length);

        var scale = exact.Max(Math.Abs) / 127f;
        for (var i = 0; i < length; i++)
        {
            if (exact[i] == 0)
            {
                Assert.Equal(0f, decoded[i]);
            }
            else
            {
                Assert.True(Math.Abs(decoded[i] - exact[i]) <= (scale / 2) * (1 + 1e-5), $"value {i}: {exact[i]} came back as {decoded[i]}");
            }
        }
    }

    [Fact]
    public void A_fraction_of_one_keeps_everything()
    {
        var values = CodecSamples.Values(100, 7);
        var codec = TensorCodecs.For(new CodecSpec(CodecKind.TopK, TopKFraction: 1));
        Assert.Equal(values, CodecSamples.Decode(codec, codec.Encode(values), 100));
    }

    [Theory]
    [MemberData(nameof(CodecSamples.KindData), MemberType = typeof(CodecSamples))]
    public void An_empty_slice_round_trips(CodecKind kind)
    {
        var codec = CodecSamples.Codec(kind);
        codec.Decode(codec.Encode([]), [], "test");
    }

    [Theory]
    [InlineData(CodecKind.None)]
    [InlineData(CodecKind.Fp16)]
    [InlineData(CodecKind.Bf16)]
    [InlineData(CodecKind.Int8)]
    [InlineData(CodecKind.TopK)]
    [InlineData(CodecKind.TopKInt8)]
    public void Encoding_a_non_finite_value_throws(CodecKind kind)
    {
        var codec = CodecSamples.Codec(kind);
        Assert.Contains("value 1 is NaN", Assert.Throws<ArgumentException>(() => codec.Encode([1f, float.NaN])).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_top_k_fraction_outside_zero_to_one_is_refused(double fraction) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorCodecs.For(new CodecSpec(CodecKind.TopK, fraction)));

    [Fact]
    public void A_block_size_below_one_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorCodecs.For(new CodecSpec(CodecKind.Int8, BlockSize: 0)));
}
