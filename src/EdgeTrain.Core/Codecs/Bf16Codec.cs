using System.Runtime.InteropServices;

namespace EdgeTrain.Core.Codecs;

/// <summary>
/// <see cref="CodecKind.Bf16"/>: the upper 16 bits of each float32, rounded to nearest even; values that
/// would round past the largest bf16 saturate to ±3.3895e38.
/// </summary>
internal sealed class Bf16Codec : DenseCodec
{
    private const ushort MaxMagnitude = 0x7F7F;

    public override CodecKind Kind => CodecKind.Bf16;

    /// <summary>The bf16 bits nearest <paramref name="value"/> (ties to even), saturating instead of overflowing.</summary>
    public static ushort Round(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var rounded = (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
        return (rounded & HalfBits.Bf16Exponent) == HalfBits.Bf16Exponent
            ? (ushort)((rounded & 0x8000) | MaxMagnitude)
            : rounded;
    }

    public override byte[] Encode(ReadOnlySpan<float> values)
    {
        RequireFinite(values);
        var payload = PayloadHeader.Allocate(Kind, values.Length, (long)values.Length * sizeof(ushort));
        var halves = MemoryMarshal.Cast<byte, ushort>(payload.AsSpan(PayloadHeader.Size));
        for (var i = 0; i < values.Length; i++)
        {
            halves[i] = Round(values[i]);
        }

        return payload;
    }

    protected override void Validate(ReadOnlySpan<byte> body, int count, string source)
    {
        PayloadHeader.RequireLength(body.Length, (long)count * sizeof(ushort), "body", source, Kind);
        var bits = MemoryMarshal.Cast<byte, ushort>(body);
        var index = HalfBits.FirstNonFinite(bits, HalfBits.Bf16Exponent);
        if (index >= 0)
        {
            var value = BitConverter.UInt32BitsToSingle((uint)bits[index] << 16);
            throw PayloadHeader.Reject(source, Kind, PayloadHeader.Invariant($"value {index} is {value}; expected finite numbers"));
        }
    }

    protected override void DecodeRange(ReadOnlySpan<byte> body, int count, int start, Span<float> destination)
    {
        var bits = MemoryMarshal.Cast<byte, ushort>(body).Slice(start, destination.Length);
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = BitConverter.UInt32BitsToSingle((uint)bits[i] << 16);
        }
    }
}
