using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeTrain.Core.Codecs;

/// <summary>
/// <see cref="CodecKind.Bf16"/>: the upper 16 bits of each float32, rounded to nearest even; values that
/// would round past the largest bf16 saturate to ±3.3895e38. Encoding, decoding and merging run on
/// <see cref="Vector{T}"/> with a scalar tail; every result is bit for bit what <see cref="Round"/> gives.
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

    /// <summary><see cref="Round"/> of every value in <paramref name="values"/> into <paramref name="halves"/>.</summary>
    public static void RoundAll(ReadOnlySpan<float> values, Span<ushort> halves)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref var from = ref MemoryMarshal.GetReference(bits);
            ref var to = ref MemoryMarshal.GetReference(halves);
            var width = Vector<uint>.Count;
            for (; i <= bits.Length - (2 * width); i += 2 * width)
            {
                var low = RoundBits(Vector.LoadUnsafe(ref from, (nuint)i));
                var high = RoundBits(Vector.LoadUnsafe(ref from, (nuint)(i + width)));
                Vector.Narrow(low, high).StoreUnsafe(ref to, (nuint)i);
            }
        }

        for (; i < bits.Length; i++)
        {
            halves[i] = Round(values[i]);
        }
    }

    public override byte[] Encode(ReadOnlySpan<float> values)
    {
        RequireFinite(values);
        var payload = PayloadHeader.Allocate(Kind, values.Length, (long)values.Length * sizeof(ushort));
        RoundAll(values, MemoryMarshal.Cast<byte, ushort>(payload.AsSpan(PayloadHeader.Size)));
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
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref var from = ref MemoryMarshal.GetReference(bits);
            ref var to = ref MemoryMarshal.GetReference(destination);
            var width = Vector<float>.Count;
            for (; i <= bits.Length - (2 * width); i += 2 * width)
            {
                Vector.Widen(Vector.LoadUnsafe(ref from, (nuint)i), out var low, out var high);
                Vector.StoreUnsafe(Widen(low), ref to, (nuint)i);
                Vector.StoreUnsafe(Widen(high), ref to, (nuint)(i + width));
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = BitConverter.UInt32BitsToSingle((uint)bits[i] << 16);
        }
    }

    /// <summary>accumulator += weight × decoded, in one pass (the product rounded before the sum, as in <see cref="DenseCodec"/>).</summary>
    protected override void MergeRange(ReadOnlySpan<byte> body, int count, Span<float> accumulator, float weight)
    {
        var bits = MemoryMarshal.Cast<byte, ushort>(body)[..accumulator.Length];
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref var from = ref MemoryMarshal.GetReference(bits);
            ref var sum = ref MemoryMarshal.GetReference(accumulator);
            var width = Vector<float>.Count;
            var w = new Vector<float>(weight);
            for (; i <= bits.Length - (2 * width); i += 2 * width)
            {
                Vector.Widen(Vector.LoadUnsafe(ref from, (nuint)i), out var low, out var high);
                var at = (nuint)i;
                Vector.StoreUnsafe((Widen(low) * w) + Vector.LoadUnsafe(ref sum, at), ref sum, at);
                at += (nuint)width;
                Vector.StoreUnsafe((Widen(high) * w) + Vector.LoadUnsafe(ref sum, at), ref sum, at);
            }
        }

        for (; i < accumulator.Length; i++)
        {
            accumulator[i] += BitConverter.UInt32BitsToSingle((uint)bits[i] << 16) * weight;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Widen(Vector<uint> halves) => Vector.AsVectorSingle(Vector.ShiftLeft(halves, 16));

    /// <summary><see cref="Round"/> on the float bits of a vector; the bf16 bits are in the low half of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> RoundBits(Vector<uint> bits)
    {
        var rounded = Vector.ShiftRightLogical(bits + new Vector<uint>(0x7FFF) + (Vector.ShiftRightLogical(bits, 16) & Vector<uint>.One), 16);
        var exponent = new Vector<uint>(HalfBits.Bf16Exponent);
        var overflow = Vector.Equals(rounded & exponent, exponent);
        var saturated = (rounded & new Vector<uint>(0x8000)) | new Vector<uint>(MaxMagnitude);
        return Vector.ConditionalSelect(overflow, saturated, rounded);
    }
}
