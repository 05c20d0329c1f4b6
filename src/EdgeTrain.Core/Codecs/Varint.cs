namespace EdgeTrain.Core.Codecs;

/// <summary>Unsigned LEB128: seven bits per byte, least significant first, high bit set on all but the last byte.</summary>
internal static class Varint
{
    /// <summary>The most bytes a 32-bit value takes.</summary>
    public const int MaxBytes = 5;

    /// <summary>How many bytes <paramref name="value"/> takes.</summary>
    public static int Size(uint value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Write(uint value, Span<byte> destination)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>
    /// Reads a value from the start of <paramref name="source"/>: the bytes read, 0 when the bytes end
    /// before the value does, or −1 when the value runs past <see cref="MaxBytes"/> bytes or 32 bits.
    /// </summary>
    public static int TryRead(ReadOnlySpan<byte> source, out uint value)
    {
        value = 0;
        for (var i = 0; i < MaxBytes; i++)
        {
            if (i == source.Length)
            {
                return 0;
            }

            var b = source[i];
            if (i == MaxBytes - 1 && b > 0x0F)
            {
                return -1;
            }

            value |= (uint)(b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                return i + 1;
            }
        }

        return -1;
    }
}
