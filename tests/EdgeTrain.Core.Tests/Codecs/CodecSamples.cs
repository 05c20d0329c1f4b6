using EdgeTrain.Core.Codecs;

namespace EdgeTrain.Core.Tests.Codecs;

internal static class CodecSamples
{
    public static readonly int[] Lengths = [1, 7, 1_000, 262_144];

    public static readonly CodecKind[] Kinds = Enum.GetValues<CodecKind>();

    public static TheoryData<int> LengthData => new(Lengths);

    public static TheoryData<CodecKind> KindData => new(Kinds);

    /// <summary>Gradient-like values: mostly small, a few large, signs mixed, none zero.</summary>
    public static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            var magnitude = (float)Math.Exp((random.NextDouble() * 8) - 7); // e^-7 .. e^1
            values[i] = random.Next(2) == 0 ? magnitude : -magnitude;
        }

        return values;
    }

    public static ITensorCodec Codec(CodecKind kind) => TensorCodecs.For(new CodecSpec(kind));

    public static float[] Decode(ITensorCodec codec, byte[] payload, int length)
    {
        var decoded = new float[length];
        codec.Decode(payload, decoded, "test");
        return decoded;
    }
}
