using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace EdgeTrain.Core.Codecs;

/// <summary><see cref="CodecKind.Fp16"/>: IEEE half precision; magnitudes above 65504 saturate to ±65504.</summary>
internal sealed class Fp16Codec : DenseCodec
{
    private const int Chunk = 1_024;
    private const float MaxHalf = 65_504f;

    public override CodecKind Kind => CodecKind.Fp16;

    public override byte[] Encode(ReadOnlySpan<float> values)
    {
        RequireFinite(values);
        var payload = PayloadHeader.Allocate(Kind, values.Length, (long)values.Length * sizeof(ushort));
        var halves = MemoryMarshal.Cast<byte, Half>(payload.AsSpan(PayloadHeader.Size));
        Span<float> buffer = stackalloc float[Chunk];
        for (var start = 0; start < values.Length; start += Chunk)
        {
            var part = values.Slice(start, Math.Min(Chunk, values.Length - start));
            var clamped = buffer[..part.Length];
            TensorPrimitives.Min(part, MaxHalf, clamped);
            TensorPrimitives.Max(clamped, -MaxHalf, clamped);
            TensorPrimitives.ConvertToHalf(clamped, halves.Slice(start, part.Length));
        }

        return payload;
    }

    protected override void Validate(ReadOnlySpan<byte> body, int count, string source)
    {
        PayloadHeader.RequireLength(body.Length, (long)count * sizeof(ushort), "body", source, Kind);
        var index = HalfBits.FirstNonFinite(MemoryMarshal.Cast<byte, ushort>(body), HalfBits.Fp16Exponent);
        if (index >= 0)
        {
            var value = MemoryMarshal.Cast<byte, Half>(body)[index];
            throw PayloadHeader.Reject(source, Kind, PayloadHeader.Invariant($"value {index} is {value}; expected finite numbers"));
        }
    }

    protected override void DecodeRange(ReadOnlySpan<byte> body, int count, int start, Span<float> destination) =>
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(body).Slice(start, destination.Length), destination);
}
