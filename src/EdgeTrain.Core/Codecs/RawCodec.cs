using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using EdgeTrain.Core.Aggregation;

namespace EdgeTrain.Core.Codecs;

/// <summary><see cref="CodecKind.None"/>: raw float32 values.</summary>
internal sealed class RawCodec : DenseCodec
{
    public override CodecKind Kind => CodecKind.None;

    public override byte[] Encode(ReadOnlySpan<float> values)
    {
        RequireFinite(values);
        var payload = PayloadHeader.Allocate(Kind, values.Length, (long)values.Length * sizeof(float));
        values.CopyTo(MemoryMarshal.Cast<byte, float>(payload.AsSpan(PayloadHeader.Size)));
        return payload;
    }

    protected override void Validate(ReadOnlySpan<byte> body, int count, string source)
    {
        PayloadHeader.RequireLength(body.Length, (long)count * sizeof(float), "body", source, Kind);
        var values = MemoryMarshal.Cast<byte, float>(body);
        var index = PayloadCheck.FirstNonFinite(values);
        if (index >= 0)
        {
            throw PayloadHeader.Reject(source, Kind, PayloadHeader.Invariant($"value {index} is {values[index]}; expected finite numbers"));
        }
    }

    protected override void DecodeRange(ReadOnlySpan<byte> body, int count, int start, Span<float> destination) =>
        MemoryMarshal.Cast<byte, float>(body).Slice(start, destination.Length).CopyTo(destination);

    protected override void MergeRange(ReadOnlySpan<byte> body, int count, Span<float> accumulator, float weight) =>
        TensorPrimitives.MultiplyAdd(MemoryMarshal.Cast<byte, float>(body), weight, accumulator, accumulator);
}
