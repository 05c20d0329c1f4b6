using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace EdgeTrain.Core.Aggregation;

/// <summary>Finds NaN and infinite values in float payloads before they reach shared parameters.</summary>
public static class PayloadCheck
{
    private const int ExponentBits = 0x7F80_0000;

    /// <summary>The index of the first NaN, +∞ or −∞ in <paramref name="values"/>, or −1 when all are finite.</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<int>.Count)
        {
            // a float is NaN or infinite exactly when its exponent bits are all ones
            var bits = MemoryMarshal.Cast<float, int>(values);
            var mask = new Vector<int>(ExponentBits);
            for (; i <= bits.Length - Vector<int>.Count; i += Vector<int>.Count)
            {
                if (Vector.EqualsAny(new Vector<int>(bits[i..]) & mask, mask))
                {
                    break;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Throws when <paramref name="values"/> holds a NaN or an infinity.</summary>
    /// <param name="values">The payload.</param>
    /// <param name="source">Where the payload came from (for example a node address).</param>
    /// <param name="key">Which payload it is (for example <c>slice 3</c>).</param>
    /// <exception cref="InvalidInputException">a value is NaN or infinite; names the first one.</exception>
    public static void RequireFinite(ReadOnlySpan<float> values, string source, string key)
    {
        var index = FirstNonFinite(values);
        if (index >= 0)
        {
            throw new InvalidInputException(
                source,
                key,
                string.Create(CultureInfo.InvariantCulture, $"value {index} is {values[index]}; expected finite numbers"));
        }
    }
}
