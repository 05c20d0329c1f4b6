namespace EdgeTrain.Core.Tests.Codecs;

public sealed class CodecMergeSpec
{
    public static TheoryData<Core.Codecs.CodecKind, int> Cases() => CodecRoundTripSpec.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Merging_adds_the_weighted_decoded_values(Core.Codecs.CodecKind kind, int length)
    {
        var codec = CodecSamples.Codec(kind);
        var payload = codec.Encode(CodecSamples.Values(length, 11));
        var decoded = CodecSamples.Decode(codec, payload, length);
        var accumulator = CodecSamples.Values(length, 12);
        var expected = accumulator.Select((a, i) => a + (0.37f * decoded[i])).ToArray();

        codec.MergeInto(payload, accumulator, 0.37f, "test");

        for (var i = 0; i < length; i++)
        {
            Assert.True(Math.Abs(expected[i] - accumulator[i]) <= 1e-6f * (1 + Math.Abs(expected[i])), $"element {i}: {accumulator[i]}, expected {expected[i]}");
        }
    }
}
