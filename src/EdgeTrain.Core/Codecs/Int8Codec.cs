using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace EdgeTrain.Core.Codecs;

/// <summary>
/// <see cref="CodecKind.Int8"/>: symmetric int8 with one float32 scale (max |v| / 127) per block.
/// Body: block size (uint32), one scale per block, then one signed byte per element.
/// </summary>
internal sealed class Int8Codec(int blockSize) : DenseCodec
{
    public override CodecKind Kind => CodecKind.Int8;

    public override byte[] Encode(ReadOnlySpan<float> values)
    {
        RequireFinite(values);
        var blocks = Blocks(values.Length, blockSize);
        var payload = PayloadHeader.Allocate(Kind, values.Length, sizeof(uint) + (blocks * sizeof(float)) + values.Length);
        var body = payload.AsSpan(PayloadHeader.Size);
        BinaryPrimitives.WriteUInt32LittleEndian(body, (uint)blockSize);
        var scales = MemoryMarshal.Cast<byte, float>(body.Slice(sizeof(uint), (int)blocks * sizeof(float)));
        var quantized = MemoryMarshal.Cast<byte, sbyte>(body[(sizeof(uint) + ((int)blocks * sizeof(float)))..]);
        for (var b = 0; b < blocks; b++)
        {
            var start = b * blockSize;
            var block = values.Slice(start, Math.Min(blockSize, values.Length - start));
            scales[b] = Quantize(block, quantized.Slice(start, block.Length));
        }

        return payload;
    }

    /// <summary>Writes round(v / scale) for each value and returns the scale, max |v| / 127 (0 when all are 0).</summary>
    public static float Quantize(ReadOnlySpan<float> values, Span<sbyte> quantized)
    {
        if (values.IsEmpty)
        {
            return 0;
        }

        var max = Math.Abs(TensorPrimitives.MaxMagnitude(values));
        var scale = max / 127f;
        if (scale == 0)
        {
            quantized.Clear();
            return 0;
        }

        for (var i = 0; i < values.Length; i++)
        {
            quantized[i] = (sbyte)Math.Clamp(MathF.Round(values[i] / scale), -127f, 127f);
        }

        return scale;
    }

    protected override void Validate(ReadOnlySpan<byte> body, int count, string source)
    {
        if (body.Length < sizeof(uint))
        {
            throw PayloadHeader.Reject(source, Kind, PayloadHeader.Invariant($"body is {body.Length} bytes, too short for the block size: truncated"));
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(body);
        if (size == 0 || size > int.MaxValue)
        {
            throw PayloadHeader.Reject(source, Kind, PayloadHeader.Invariant($"block size is {size}; expected 1 to {int.MaxValue}"));
        }

        var blocks = Blocks(count, (int)size);
        PayloadHeader.RequireLength(body.Length, sizeof(uint) + (blocks * sizeof(float)) + count, "body", source, Kind);
        var scales = MemoryMarshal.Cast<byte, float>(body.Slice(sizeof(uint), (int)blocks * sizeof(float)));
        for (var b = 0; b < scales.Length; b++)
        {
            if (!float.IsFinite(scales[b]) || scales[b] < 0)
            {
                throw PayloadHeader.Reject(
                    source,
                    Kind,
                    PayloadHeader.Invariant($"scale of block {b} is {scales[b]}; expected a finite, non-negative number"));
            }
        }
    }

    protected override void DecodeRange(ReadOnlySpan<byte> body, int count, int start, Span<float> destination)
    {
        var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(body);
        var blocks = (int)Blocks(count, size);
        var scales = MemoryMarshal.Cast<byte, float>(body.Slice(sizeof(uint), blocks * sizeof(float)));
        var quantized = MemoryMarshal.Cast<byte, sbyte>(body[(sizeof(uint) + (blocks * sizeof(float)))..]);
        for (var i = 0; i < destination.Length; i++)
        {
            var at = start + i;
            destination[i] = quantized[at] * scales[at / size];
        }
    }

    private static long Blocks(int count, int size) => ((long)count + size - 1) / size;
}
