namespace EdgeTrain.Core.Codecs;

/// <summary>Creates codecs from <see cref="CodecSpec"/>s.</summary>
public static class TensorCodecs
{
    /// <summary>The codec described by <paramref name="spec"/>.</summary>
    /// <remarks>Payloads are little-endian and read in place, so the codecs need a little-endian machine.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">the kind is unknown, the fraction is not in (0, 1] or the block size is below 1.</exception>
    public static ITensorCodec For(CodecSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the codecs read and write little-endian payloads in place");
        }

        return spec.Kind switch
        {
            CodecKind.None => new RawCodec(),
            CodecKind.Fp16 => new Fp16Codec(),
            CodecKind.Bf16 => new Bf16Codec(),
            CodecKind.Int8 => new Int8Codec(RequireBlockSize(spec.BlockSize)),
            CodecKind.TopK => new TopKCodec(RequireFraction(spec.TopKFraction), quantized: false),
            CodecKind.TopKInt8 => new TopKCodec(RequireFraction(spec.TopKFraction), quantized: true),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "unknown codec kind"),
        };
    }

    private static int RequireBlockSize(int blockSize) =>
        blockSize >= 1 ? blockSize : throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "expected at least 1");

    private static double RequireFraction(double fraction) =>
        fraction > 0 && fraction <= 1
            ? fraction
            : throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "expected a fraction in (0, 1]");
}
