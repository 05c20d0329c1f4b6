using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>
/// Expands a 32-byte mask seed into 32-bit words with AES-256 in counter mode (the key is the seed, the
/// counter blocks 0, 1, 2 …): a cryptographic stream, so a mask reveals nothing of another mask or of
/// the seed — never a short seed in a statistical generator.
/// </summary>
public static class MaskStream
{
    /// <summary>The seed length in bytes.</summary>
    public const int SeedBytes = 32;

    /// <summary>Adds (<paramref name="sign"/> = 1) or subtracts (−1) the stream of <paramref name="seed"/> to <paramref name="values"/>, modulo 2³².</summary>
    /// <exception cref="ArgumentException">the seed is not 32 bytes, or the sign not ±1.</exception>
    public static void Apply(ReadOnlySpan<byte> seed, Span<uint> values, int sign)
    {
        if (seed.Length != SeedBytes)
        {
            throw new ArgumentException($"expected a {SeedBytes}-byte seed, found {seed.Length} bytes", nameof(seed));
        }

        if (sign is not (1 or -1))
        {
            throw new ArgumentException("expected +1 or -1", nameof(sign));
        }

        using var aes = Aes.Create();
        aes.Key = seed.ToArray();
        const int blocksAtOnce = 256;
        var counters = new byte[16 * blocksAtOnce];
        var stream = new byte[counters.Length];
        var done = 0;
        ulong block = 0;
        while (done < values.Length)
        {
            var words = Math.Min(values.Length - done, blocksAtOnce * 4);
            var blocks = (words + 3) / 4;
            for (var b = 0; b < blocks; b++)
            {
                BinaryPrimitives.WriteUInt64BigEndian(counters.AsSpan((b * 16) + 8, 8), block++);
            }

            aes.EncryptEcb(counters.AsSpan(0, blocks * 16), stream.AsSpan(0, blocks * 16), PaddingMode.None);
            for (var w = 0; w < words; w++)
            {
                var mask = BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(w * 4, 4));
                values[done + w] = sign == 1 ? unchecked(values[done + w] + mask) : unchecked(values[done + w] - mask);
            }

            done += words;
        }

        CryptographicOperations.ZeroMemory(stream);
    }
}
