using System.Numerics;

namespace EdgeTrain.Core.Codecs;

/// <summary>Finds NaN and infinite 16-bit floats (fp16 or bf16) by their exponent bits.</summary>
internal static class HalfBits
{
    /// <summary>The exponent bits of an fp16 value; all ones means NaN or infinite.</summary>
    public const ushort Fp16Exponent = 0x7C00;

    /// <summary>The exponent bits of a bf16 value; all ones means NaN or infinite.</summary>
    public const ushort Bf16Exponent = 0x7F80;

    /// <summary>The index of the first value whose <paramref name="exponent"/> bits are all ones, or −1.</summary>
    public static int FirstNonFinite(ReadOnlySpan<ushort> bits, ushort exponent)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && bits.Length >= Vector<ushort>.Count)
        {
            var mask = new Vector<ushort>(exponent);
            for (; i <= bits.Length - Vector<ushort>.Count; i += Vector<ushort>.Count)
            {
                if (Vector.EqualsAny(new Vector<ushort>(bits[i..]) & mask, mask))
                {
                    break;
                }
            }
        }

        for (; i < bits.Length; i++)
        {
            if ((bits[i] & exponent) == exponent)
            {
                return i;
            }
        }

        return -1;
    }
}
