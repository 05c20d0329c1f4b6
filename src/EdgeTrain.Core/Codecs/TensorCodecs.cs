using System.Diagnostics.CodeAnalysis;

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

    /// <summary>
    /// The codec that reads <paramref name="payload"/>: its first byte names the kind, and every
    /// parameter a decoder needs (block size, entry count, scale) travels in the payload itself.
    /// </summary>
    /// <exception cref="InvalidInputException">the payload is empty or names no known codec; <paramref name="source"/> says where it came from.</exception>
    public static ITensorCodec ForPayload(ReadOnlySpan<byte> payload, string source)
    {
        if (payload.IsEmpty)
        {
            throw new InvalidInputException(source, "payload", "it is empty; expected a codec byte and a header");
        }

        var kind = (CodecKind)payload[0];
        return Enum.IsDefined(kind)
            ? For(new CodecSpec(kind))
            : throw new InvalidInputException(source, "payload", $"its first byte {payload[0]} names no codec; expected 0 to {(int)CodecKind.TopKInt8}");
    }

    /// <summary>
    /// Decodes a payload of any codec into a new array of <paramref name="length"/> floats.
    /// Returns false with the reason (naming <paramref name="source"/>) when the payload is
    /// malformed or holds another number of values.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> payload, int length, string source, [NotNullWhen(true)] out float[]? values, [NotNullWhen(false)] out string? problem)
    {
        try
        {
            var decoded = new float[length];
            ForPayload(payload, source).Decode(payload, decoded, source);
            values = decoded;
            problem = null;
            return true;
        }
        catch (InvalidInputException e)
        {
            values = null;
            problem = e.Message;
            return false;
        }
    }

    private static int RequireBlockSize(int blockSize) =>
        blockSize >= 1 ? blockSize : throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "expected at least 1");

    private static double RequireFraction(double fraction) =>
        fraction > 0 && fraction <= 1
            ? fraction
            : throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "expected a fraction in (0, 1]");
}
