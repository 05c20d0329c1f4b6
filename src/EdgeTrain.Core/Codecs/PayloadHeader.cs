using System.Buffers.Binary;
using System.Globalization;

namespace EdgeTrain.Core.Codecs;

/// <summary>The header every codec payload starts with: the kind byte and the element count (uint32, little-endian).</summary>
internal static class PayloadHeader
{
    public const int Size = 1 + sizeof(uint);

    /// <summary>
    /// A payload of <see cref="Size"/> + <paramref name="bodyBytes"/> bytes with the header written. The body is
    /// not zeroed (a 1 MiB slice's payload would be cleared only to be overwritten): the codec writes every byte of it.
    /// </summary>
    public static byte[] Allocate(CodecKind kind, int count, long bodyBytes)
    {
        if (Size + bodyBytes > Array.MaxLength)
        {
            throw new ArgumentException($"{count} values do not fit in one {kind} payload", nameof(count));
        }

        var payload = GC.AllocateUninitializedArray<byte>((int)(Size + bodyBytes));
        payload[0] = (byte)kind;
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(1), (uint)count);
        return payload;
    }

    /// <summary>Checks the header against <paramref name="kind"/> and <paramref name="count"/>; returns the body.</summary>
    public static ReadOnlySpan<byte> Open(ReadOnlySpan<byte> payload, CodecKind kind, int count, string source)
    {
        if (payload.Length < Size)
        {
            throw Reject(source, kind, Invariant($"payload is {payload.Length} bytes, shorter than the {Size}-byte header: truncated"));
        }

        if (payload[0] != (byte)kind)
        {
            var named = Enum.IsDefined((CodecKind)payload[0]) ? $" ({(CodecKind)payload[0]})" : " (unknown)";
            throw Reject(source, kind, Invariant($"kind byte is {payload[0]}{named}; expected {(byte)kind} ({kind})"));
        }

        var claimed = BinaryPrimitives.ReadUInt32LittleEndian(payload[1..]);
        if (claimed != (uint)count)
        {
            throw Reject(source, kind, Invariant($"header says {claimed} elements; the destination holds {count}"));
        }

        return payload[Size..];
    }

    /// <summary>Throws unless the body (or the part of it left) is exactly <paramref name="expected"/> bytes.</summary>
    public static void RequireLength(int actual, long expected, string what, string source, CodecKind kind)
    {
        if (actual < expected)
        {
            throw Reject(source, kind, Invariant($"{what} is {actual} bytes; expected {expected}: truncated"));
        }

        if (actual > expected)
        {
            throw Reject(source, kind, Invariant($"{what} is {actual} bytes; expected {expected}: {actual - expected} trailing bytes"));
        }
    }

    /// <summary>The exception for a malformed payload.</summary>
    public static InvalidInputException Reject(string source, CodecKind kind, string problem) =>
        new(source, $"{kind} payload", problem);

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
