using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace EdgeTrain.Core.Codecs;

/// <summary>
/// <see cref="CodecKind.TopK"/> and <see cref="CodecKind.TopKInt8"/>: the k = max(1, ⌈fraction·n⌉)
/// largest-magnitude values. Body: k (uint32), for int8 one scale (float32), the indices ascending as
/// LEB128 deltas (the first from 0), then k values (float32, or int8 times the scale).
/// </summary>
internal sealed class TopKCodec(double fraction, bool quantized) : ITensorCodec
{
    public CodecKind Kind => quantized ? CodecKind.TopKInt8 : CodecKind.TopK;

    private int ValueSize => quantized ? sizeof(sbyte) : sizeof(float);

    public byte[] Encode(ReadOnlySpan<float> values)
    {
        var nonFinite = Aggregation.PayloadCheck.FirstNonFinite(values);
        if (nonFinite >= 0)
        {
            throw new ArgumentException(
                PayloadHeader.Invariant($"value {nonFinite} is {values[nonFinite]}; only finite values can be encoded"),
                nameof(values));
        }

        var k = values.Length == 0 ? 0 : (int)Math.Min(values.Length, Math.Max(1, Math.Ceiling(fraction * values.Length)));
        var indices = TopKSelection.Select(values, k);
        long indexBytes = 0;
        for (var j = 0; j < k; j++)
        {
            indexBytes += Varint.Size(Delta(indices, j));
        }

        var prefix = sizeof(uint) + (quantized ? sizeof(float) : 0);
        var payload = PayloadHeader.Allocate(Kind, values.Length, prefix + indexBytes + ((long)k * ValueSize));
        var body = payload.AsSpan(PayloadHeader.Size);
        BinaryPrimitives.WriteUInt32LittleEndian(body, (uint)k);
        var at = prefix;
        for (var j = 0; j < k; j++)
        {
            at += Varint.Write(Delta(indices, j), body[at..]);
        }

        var kept = new float[k];
        for (var j = 0; j < k; j++)
        {
            kept[j] = values[indices[j]];
        }

        if (quantized)
        {
            var scale = Int8Codec.Quantize(kept, MemoryMarshal.Cast<byte, sbyte>(body[at..]));
            BinaryPrimitives.WriteSingleLittleEndian(body[sizeof(uint)..], scale);
        }
        else
        {
            kept.CopyTo(MemoryMarshal.Cast<byte, float>(body[at..]));
        }

        return payload;
    }

    public void Decode(ReadOnlySpan<byte> payload, Span<float> destination, string source)
    {
        var indices = Parse(payload, destination.Length, source, out var k, out var scale, out var values);
        try
        {
            destination.Clear();
            for (var j = 0; j < k; j++)
            {
                destination[indices[j]] = Value(values, j, scale);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(indices);
        }
    }

    /// <summary>A <see cref="CodecKind.TopK"/> payload of <paramref name="values"/>' entries at <paramref name="indices"/> (ascending, distinct).</summary>
    public static byte[] EncodeAt(ReadOnlySpan<float> values, int[] indices)
    {
        long indexBytes = 0;
        for (var j = 0; j < indices.Length; j++)
        {
            if (indices[j] < 0 || indices[j] >= values.Length || (j > 0 && indices[j] <= indices[j - 1]))
            {
                throw new ArgumentException(PayloadHeader.Invariant($"index {indices[j]} at {j}: expected ascending, distinct indices below {values.Length}"), nameof(indices));
            }

            indexBytes += Varint.Size(Delta(indices, j));
        }

        var payload = PayloadHeader.Allocate(CodecKind.TopK, values.Length, sizeof(uint) + indexBytes + ((long)indices.Length * sizeof(float)));
        var body = payload.AsSpan(PayloadHeader.Size);
        BinaryPrimitives.WriteUInt32LittleEndian(body, (uint)indices.Length);
        var at = sizeof(uint);
        for (var j = 0; j < indices.Length; j++)
        {
            at += Varint.Write(Delta(indices, j), body[at..]);
        }

        var kept = MemoryMarshal.Cast<byte, float>(body[at..]);
        for (var j = 0; j < indices.Length; j++)
        {
            kept[j] = values[indices[j]];
        }

        return payload;
    }

    /// <summary>Writes each entry of the (whole, validated) payload into <paramref name="destination"/> at its index; the rest stays.</summary>
    public void ScatterInto(ReadOnlySpan<byte> payload, Span<float> destination, string source)
    {
        var indices = Parse(payload, destination.Length, source, out var k, out var scale, out var values);
        try
        {
            for (var j = 0; j < k; j++)
            {
                destination[indices[j]] = Value(values, j, scale);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(indices);
        }
    }

    public void MergeInto(ReadOnlySpan<byte> payload, Span<float> accumulator, float weight, string source)
    {
        var indices = Parse(payload, accumulator.Length, source, out var k, out var scale, out var values);
        try
        {
            for (var j = 0; j < k; j++)
            {
                accumulator[indices[j]] += weight * Value(values, j, scale);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(indices);
        }
    }

    private static uint Delta(int[] indices, int j) => (uint)(j == 0 ? indices[0] : indices[j] - indices[j - 1]);

    private float Value(ReadOnlySpan<byte> values, int j, float scale) =>
        quantized ? (sbyte)values[j] * scale : BinaryPrimitives.ReadSingleLittleEndian(values[(j * sizeof(float))..]);

    /// <summary>Validates the whole payload; returns the indices in a pooled array and the values' bytes.</summary>
    private int[] Parse(ReadOnlySpan<byte> payload, int count, string source, out int k, out float scale, out ReadOnlySpan<byte> values)
    {
        var body = PayloadHeader.Open(payload, Kind, count, source);
        var prefix = sizeof(uint) + (quantized ? sizeof(float) : 0);
        if (body.Length < prefix)
        {
            throw Reject(source, $"body is {body.Length} bytes, too short for the entry count{(quantized ? " and scale" : string.Empty)}: truncated");
        }

        var claimed = BinaryPrimitives.ReadUInt32LittleEndian(body);
        if (claimed > (uint)count)
        {
            throw Reject(source, $"claims {claimed} entries for {count} elements; expected at most {count}");
        }

        k = (int)claimed;
        scale = 0;
        if (quantized)
        {
            scale = BinaryPrimitives.ReadSingleLittleEndian(body[sizeof(uint)..]);
            if (!float.IsFinite(scale) || scale < 0)
            {
                throw Reject(source, $"scale is {scale}; expected a finite, non-negative number");
            }
        }

        var indices = ArrayPool<int>.Shared.Rent(k);
        try
        {
            var at = prefix;
            long previous = -1;
            for (var j = 0; j < k; j++)
            {
                var read = Varint.TryRead(body[at..], out var delta);
                if (read == 0)
                {
                    throw Reject(source, $"the index of entry {j} is cut off after {body.Length - at} bytes: truncated");
                }

                if (read < 0)
                {
                    throw Reject(source, $"the index of entry {j} is not a valid varint (longer than {Varint.MaxBytes} bytes or above 32 bits)");
                }

                if (j > 0 && delta == 0)
                {
                    throw Reject(source, $"entry {j} repeats index {previous}: duplicated index; indices must be strictly ascending");
                }

                var index = previous < 0 ? delta : previous + delta;
                if (index >= count)
                {
                    throw Reject(source, $"index {index} of entry {j} is out of range for {count} elements (indices must be ascending and below {count})");
                }

                indices[j] = (int)index;
                previous = index;
                at += read;
            }

            values = body[at..];
            PayloadHeader.RequireLength(values.Length, (long)k * ValueSize, "the values part", source, Kind);
            if (!quantized)
            {
                var floats = MemoryMarshal.Cast<byte, float>(values);
                var bad = Aggregation.PayloadCheck.FirstNonFinite(floats);
                if (bad >= 0)
                {
                    throw Reject(source, $"value of entry {bad} (index {indices[bad]}) is {floats[bad]}; expected finite numbers");
                }
            }

            return indices;
        }
        catch
        {
            ArrayPool<int>.Shared.Return(indices);
            throw;
        }
    }

    private InvalidInputException Reject(string source, FormattableString problem) =>
        PayloadHeader.Reject(source, Kind, PayloadHeader.Invariant(problem));
}
