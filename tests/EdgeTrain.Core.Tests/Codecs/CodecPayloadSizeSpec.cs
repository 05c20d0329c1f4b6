using EdgeTrain.Core.Codecs;

namespace EdgeTrain.Core.Tests.Codecs;

public sealed class CodecPayloadSizeSpec
{
    private const int Length = 262_144;
    private const int Header = 5;
    private static readonly float[] Values = CodecSamples.Values(Length, 21);

    [Theory]
    [InlineData(CodecKind.None, Header + (Length * 4))]
    [InlineData(CodecKind.Fp16, Header + (Length * 2))]
    [InlineData(CodecKind.Bf16, Header + (Length * 2))]
    [InlineData(CodecKind.Int8, Header + 4 + (Length / 256 * 4) + Length)]
    public void Dense_payloads_have_their_exact_size(CodecKind kind, int bytes) =>
        Assert.Equal(bytes, CodecSamples.Codec(kind).Encode(Values).Length);

    [Theory]
    [InlineData(CodecKind.TopK, 4)]
    [InlineData(CodecKind.TopKInt8, 1)]
    public void Top_k_of_one_percent_costs_its_values_and_about_two_bytes_per_index(CodecKind kind, int valueBytes)
    {
        const int k = 2_622; // ⌈0.01 · 262144⌉
        var size = CodecSamples.Codec(kind).Encode(Values).Length;
        Assert.InRange(size, Header + 4 + (k * (valueBytes + 1)), Header + 8 + (k * (valueBytes + 2)));
        // 1% of the dense bytes would carry the values alone; indices add about two bytes each
        Assert.True(size < Length * (4 + 2) / 100, $"{size} bytes is not under 1% of {Length} values at 6 bytes each");
    }
}
