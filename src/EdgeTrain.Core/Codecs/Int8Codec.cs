using System.Buffers.Binary;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
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
    /// <remarks>Ties round to even; the vector loop divides as the scalar tail does, so every byte is the same.</remarks>
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

        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref var from = ref MemoryMarshal.GetReference(values);
            ref var to = ref MemoryMarshal.GetReference(quantized);
            var width = Vector<float>.Count;
            var step = Vector<sbyte>.Count;
            var divisor = new Vector<float>(scale);
            for (; i <= values.Length - step; i += step)
            {
                var a = Step(Vector.LoadUnsafe(ref from, (nuint)i), divisor);
                var b = Step(Vector.LoadUnsafe(ref from, (nuint)(i + width)), divisor);
                var c = Step(Vector.LoadUnsafe(ref from, (nuint)(i + (2 * width))), divisor);
                var d = Step(Vector.LoadUnsafe(ref from, (nuint)(i + (3 * width))), divisor);
                Vector.Narrow(Vector.Narrow(a, b), Vector.Narrow(c, d)).StoreUnsafe(ref to, (nuint)i);
            }
        }

        for (; i < values.Length; i++)
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

    protected override void DecodeRange(ReadOnlySpan<byte> body, int count, int start, Span<float> destination) =>
        ForEachBlock(body, count, start, destination, static (quantized, scale, _, part) => Dequantize(quantized, scale, part), 0f);

    protected override void MergeRange(ReadOnlySpan<byte> body, int count, Span<float> accumulator, float weight) =>
        ForEachBlock(body, count, 0, accumulator, static (quantized, scale, weight, part) => DequantizeAdd(quantized, scale, weight, part), weight);

    /// <summary>Calls <paramref name="action"/> once per block (or part of a block) of elements start onwards.</summary>
    private static void ForEachBlock(ReadOnlySpan<byte> body, int count, int start, Span<float> destination, BlockAction action, float weight)
    {
        var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(body);
        var blocks = (int)Blocks(count, size);
        var scales = MemoryMarshal.Cast<byte, float>(body.Slice(sizeof(uint), blocks * sizeof(float)));
        var quantized = MemoryMarshal.Cast<byte, sbyte>(body[(sizeof(uint) + (blocks * sizeof(float)))..]);
        var done = 0;
        while (done < destination.Length)
        {
            var at = start + done;
            var block = at / size;
            var length = (int)Math.Min(destination.Length - done, ((long)block + 1) * size - at);
            action(quantized.Slice(at, length), scales[block], weight, destination.Slice(done, length));
            done += length;
        }
    }

    /// <summary>destination[i] = quantized[i] × scale.</summary>
    private static void Dequantize(ReadOnlySpan<sbyte> quantized, float scale, Span<float> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref var from = ref MemoryMarshal.GetReference(quantized);
            ref var to = ref MemoryMarshal.GetReference(destination);
            var width = Vector<float>.Count;
            var step = Vector<sbyte>.Count;
            var factor = new Vector<float>(scale);
            for (; i <= quantized.Length - step; i += step)
            {
                Widen(Vector.LoadUnsafe(ref from, (nuint)i), out var a, out var b, out var c, out var d);
                Vector.StoreUnsafe(a * factor, ref to, (nuint)i);
                Vector.StoreUnsafe(b * factor, ref to, (nuint)(i + width));
                Vector.StoreUnsafe(c * factor, ref to, (nuint)(i + (2 * width)));
                Vector.StoreUnsafe(d * factor, ref to, (nuint)(i + (3 * width)));
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = quantized[i] * scale;
        }
    }

    /// <summary>accumulator[i] += (quantized[i] × scale) × weight, each product rounded to float32 as a decode then a merge would.</summary>
    private static void DequantizeAdd(ReadOnlySpan<sbyte> quantized, float scale, float weight, Span<float> accumulator)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref var from = ref MemoryMarshal.GetReference(quantized);
            ref var sum = ref MemoryMarshal.GetReference(accumulator);
            var width = Vector<float>.Count;
            var step = Vector<sbyte>.Count;
            var factor = new Vector<float>(scale);
            var w = new Vector<float>(weight);
            for (; i <= quantized.Length - step; i += step)
            {
                Widen(Vector.LoadUnsafe(ref from, (nuint)i), out var a, out var b, out var c, out var d);
                var at = (nuint)i;
                Vector.StoreUnsafe((a * factor * w) + Vector.LoadUnsafe(ref sum, at), ref sum, at);
                at += (nuint)width;
                Vector.StoreUnsafe((b * factor * w) + Vector.LoadUnsafe(ref sum, at), ref sum, at);
                at += (nuint)width;
                Vector.StoreUnsafe((c * factor * w) + Vector.LoadUnsafe(ref sum, at), ref sum, at);
                at += (nuint)width;
                Vector.StoreUnsafe((d * factor * w) + Vector.LoadUnsafe(ref sum, at), ref sum, at);
            }
        }

        for (; i < accumulator.Length; i++)
        {
            accumulator[i] += quantized[i] * scale * weight;
        }
    }

    /// <summary>round(v / scale), clamped to ±127, as int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<int> Step(Vector<float> values, Vector<float> scale) =>
        Vector.ConvertToInt32(Vector.Clamp(Vector.Round(values / scale), new Vector<float>(-127f), new Vector<float>(127f)));

    /// <summary>One vector of signed bytes as four vectors of floats, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen(Vector<sbyte> bytes, out Vector<float> a, out Vector<float> b, out Vector<float> c, out Vector<float> d)
    {
        Vector.Widen(bytes, out var low, out var high);
        Vector.Widen(low, out var i0, out var i1);
        Vector.Widen(high, out var i2, out var i3);
        a = Vector.ConvertToSingle(i0);
        b = Vector.ConvertToSingle(i1);
        c = Vector.ConvertToSingle(i2);
        d = Vector.ConvertToSingle(i3);
    }

    private static long Blocks(int count, int size) => ((long)count + size - 1) / size;

    private delegate void BlockAction(ReadOnlySpan<sbyte> quantized, float scale, float weight, Span<float> destination);
}
