using System.Buffers.Binary;
using System.Numerics;

namespace EdgeTrain.Core.Integrity;

/// <summary>
/// CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF),
/// the checksum of iSCSI, ext4 and SCTP. It detects every error that changes one to four
/// consecutive bytes (every burst of up to 32 bits), so a flipped byte never goes unnoticed.
/// Computed with <see cref="BitOperations.Crc32C(uint, ulong)"/>: the CPU's CRC32 instruction where
/// there is one (SSE 4.2, ARMv8), a table-driven step elsewhere.
/// </summary>
public static class Crc32C
{
    /// <summary>The checksum's size in bytes.</summary>
    public const int Size = sizeof(uint);

    /// <summary>CRC-32C of <paramref name="data"/>; CRC-32C("123456789") is 0xE3069283.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>
    /// CRC-32C of the bytes already checksummed as <paramref name="crc"/> followed by
    /// <paramref name="data"/> (<c>Append(Compute(a), b) == Compute(a + b)</c>; the CRC of no bytes is 0).
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var state = ~crc;
        while (data.Length >= sizeof(ulong))
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (var b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        return ~state;
    }
}
