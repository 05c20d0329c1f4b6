namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>Arithmetic in GF(2⁸) with AES's polynomial x⁸ + x⁴ + x³ + x + 1, by log and exp tables (generator 3).</summary>
internal static class Gf256
{
    private static readonly byte[] Exp = new byte[510];
    private static readonly byte[] Log = new byte[256];

    static Gf256()
    {
        var x = 1;
        for (var i = 0; i < 255; i++)
        {
            Exp[i] = (byte)x;
            Log[x] = (byte)i;
            // multiply by the generator 3: x·2 xor x, reduced by the polynomial
            var doubled = x << 1;
            if ((doubled & 0x100) != 0)
            {
                doubled ^= 0x11B;
            }

            x = doubled ^ x;
        }

        for (var i = 255; i < Exp.Length; i++)
        {
            Exp[i] = Exp[i - 255];
        }
    }

    public static byte Multiply(byte a, byte b) => a == 0 || b == 0 ? (byte)0 : Exp[Log[a] + Log[b]];

    public static byte Divide(byte a, byte b)
    {
        if (b == 0)
        {
            throw new DivideByZeroException("division by zero in GF(2^8)");
        }

        return a == 0 ? (byte)0 : Exp[Log[a] + 255 - Log[b]];
    }
}
