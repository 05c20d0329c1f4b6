using System.Buffers.Binary;
using EdgeTrain.Core.Codecs;

namespace EdgeTrain.Core.Tests.Codecs;

public sealed class CodecRejectionSpec
{
    private const int Length = 1_000;

    public static TheoryData<CodecKind> KindData => CodecSamples.KindData;

    [Theory]
    [MemberData(nameof(KindData))]
    public void A_wrong_kind_byte_is_rejected(CodecKind kind)
    {
        var payload = Encode(kind);
        payload[0] = (byte)(kind == CodecKind.None ? CodecKind.Fp16 : CodecKind.None);
        AssertRejected(kind, payload, Length, "kind byte is");
        payload[0] = 200;
        AssertRejected(kind, payload, Length, "kind byte is 200 (unknown)");
    }

    [Theory]
    [MemberData(nameof(KindData))]
    public void An_element_count_other_than_the_destinations_is_rejected(CodecKind kind)
    {
        AssertRejected(kind, Encode(kind), Length + 1, $"header says {Length} elements; the destination holds {Length + 1}");
        AssertRejected(kind, Encode(kind), Length - 1, $"header says {Length} elements; the destination holds {Length - 1}");
    }

    [Theory]
    [MemberData(nameof(KindData))]
    public void A_truncated_payload_is_rejected(CodecKind kind)
    {
        var payload = Encode(kind);
        AssertRejected(kind, payload[..^1], Length, "truncated");
        AssertRejected(kind, payload[..3], Length, "truncated");
        AssertRejected(kind, payload[..5], Length, "truncated");
    }

    [Theory]
    [MemberData(nameof(KindData))]
    public void Trailing_bytes_are_rejected(CodecKind kind) =>
        AssertRejected(kind, [.. Encode(kind), 0, 0], Length, "2 trailing bytes");

    [Theory]
    [InlineData(CodecKind.None, float.NaN)]
    [InlineData(CodecKind.None, float.PositiveInfinity)]
    [InlineData(CodecKind.Fp16, float.NaN)]
    [InlineData(CodecKind.Fp16, float.NegativeInfinity)]
    [InlineData(CodecKind.Bf16, float.NaN)]
    [InlineData(CodecKind.Bf16, float.PositiveInfinity)]
    public void A_non_finite_dense_value_is_rejected(CodecKind kind, float bad)
    {
        var payload = Encode(kind);
        var at = 5 + (kind == CodecKind.None ? 4 * 600 : 2 * 600);
        if (kind == CodecKind.None)
        {
            BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(at), bad);
        }
        else if (kind == CodecKind.Fp16)
        {
            BinaryPrimitives.WriteHalfLittleEndian(payload.AsSpan(at), (Half)bad);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(at), (ushort)(BitConverter.SingleToUInt32Bits(bad) >> 16));
        }

        AssertRejected(kind, payload, Length, "value 600 is");
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(-1f)]
    public void A_bad_int8_block_scale_is_rejected(float scale)
    {
        var payload = Encode(CodecKind.Int8);
        BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(5 + 4 + (4 * 2)), scale);
        AssertRejected(CodecKind.Int8, payload, Length, "scale of block 2 is");
    }

    [Fact]
    public void A_zero_int8_block_size_is_rejected()
    {
        var payload = Encode(CodecKind.Int8);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(5), 0);
        AssertRejected(CodecKind.Int8, payload, Length, "block size is 0");
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-1f)]
    public void A_bad_top_k_int8_scale_is_rejected(float scale)
    {
        var payload = Encode(CodecKind.TopKInt8);
        BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(5 + 4), scale);
        AssertRejected(CodecKind.TopKInt8, payload, Length, "scale is");
    }

    [Theory]
    [InlineData(CodecKind.TopK)]
    [InlineData(CodecKind.TopKInt8)]
    public void An_index_out_of_range_is_rejected(CodecKind kind)
    {
        AssertRejected(kind, TopK(kind, 10, [3, 7]), 10, "index 10 of entry 1 is out of range for 10 elements");
        AssertRejected(kind, TopK(kind, 10, [10]), 10, "index 10 of entry 0 is out of range");
    }

    [Theory]
    [InlineData(CodecKind.TopK)]
    [InlineData(CodecKind.TopKInt8)]
    public void Unsorted_indices_are_rejected(CodecKind kind) =>
        // 5 then 3: the delta −2 wraps to 2^32 − 2 and lands past the end
        AssertRejected(kind, TopK(kind, 10, [5, uint.MaxValue - 1]), 10, "out of range");

    [Theory]
    [InlineData(CodecKind.TopK)]
    [InlineData(CodecKind.TopKInt8)]
    public void A_duplicated_index_is_rejected(CodecKind kind) =>
        AssertRejected(kind, TopK(kind, 10, [2, 3, 0]), 10, "entry 2 repeats index 5: duplicated index");

    [Theory]
    [InlineData(CodecKind.TopK)]
    [InlineData(CodecKind.TopKInt8)]
    public void A_first_index_of_zero_is_accepted(CodecKind kind)
    {
        var decoded = new float[10];
        CodecSamples.Codec(kind).Decode(TopK(kind, 10, [0, 9]), decoded, "test");
        Assert.Equal(1f, decoded[0], 0.01f);
        Assert.Equal(1f, decoded[9], 0.01f);
    }

    [Theory]
    [InlineData(CodecKind.TopK)]
    [InlineData(CodecKind.TopKInt8)]
    public void More_entries_than_elements_are_rejected(CodecKind kind) =>
        AssertRejected(kind, TopK(kind, 3, [0, 1, 1, 1]), 3, "claims 4 entries for 3 elements");

    [Theory]
    [InlineData(CodecKind.TopK)]
    [InlineData(CodecKind.TopKInt8)]
    public void A_cut_off_or_overlong_varint_is_rejected(CodecKind kind)
    {
        var prefix = kind == CodecKind.TopK ? 9 : 13;
        var payload = TopK(kind, 1_000, [300]); // 300 takes two varint bytes
        AssertRejected(kind, payload[..(prefix + 1)], 1_000, "the index of entry 0 is cut off");

        byte[] overlong = [.. payload[..prefix], 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, .. payload[(prefix + 2)..]];
        AssertRejected(kind, overlong, 1_000, "not a valid varint");
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.NegativeInfinity)]
    public void A_non_finite_top_k_value_is_rejected(float bad)
    {
        var payload = TopK(CodecKind.TopK, 10, [1, 2]);
        BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(payload.Length - 4), bad);
        AssertRejected(CodecKind.TopK, payload, 10, "value of entry 1 (index 3) is");
    }

    private static byte[] Encode(CodecKind kind) => CodecSamples.Codec(kind).Encode(CodecSamples.Values(Length, 31));

    /// <summary>A hand-made top-k payload with the given index deltas and every value 1.</summary>
    private static byte[] TopK(CodecKind kind, int length, uint[] deltas)
    {
        var bytes = new List<byte> { (byte)kind };
        bytes.AddRange(BitConverter.GetBytes((uint)length));
        bytes.AddRange(BitConverter.GetBytes((uint)deltas.Length));
        if (kind == CodecKind.TopKInt8)
        {
            bytes.AddRange(BitConverter.GetBytes(1f / 127));
        }

        foreach (var delta in deltas)
        {
            var value = delta;
            while (value >= 0x80)
            {
                bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }

            bytes.Add((byte)value);
        }

        foreach (var unused in deltas)
        {
            if (kind == CodecKind.TopKInt8)
            {
                bytes.Add(127);
            }
            else
            {
                bytes.AddRange(BitConverter.GetBytes(1f));
            }
        }

        return [.. bytes];
    }

    private static void AssertRejected(CodecKind kind, byte[] payload, int length, string reason)
    {
        var codec = CodecSamples.Codec(kind);
        var accumulator = CodecSamples.Values(length, 41);
        var before = accumulator.ToArray();

        var merge = Assert.Throws<InvalidInputException>(() => codec.MergeInto(payload, accumulator, 1f, "contribution job-1:3"));
        Assert.Contains(reason, merge.Problem, StringComparison.Ordinal);
        Assert.Equal("contribution job-1:3", merge.Source);
        Assert.Equal($"{kind} payload", merge.Key);
        Assert.Equal(before, accumulator);

        var decode = Assert.Throws<InvalidInputException>(() => codec.Decode(payload, accumulator, "contribution job-1:3"));
        Assert.Equal(merge.Problem, decode.Problem);
        Assert.Equal(before, accumulator);
    }
}
