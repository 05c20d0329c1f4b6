using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgeTrain.Core.Audit;

/// <summary>
/// The bytes of an audit entry, defined so that anyone can verify a log without this code.
/// <para>
/// <b>Field.</b> A field is its text as UTF-8 (no byte-order mark), preceded by the number of those bytes as
/// an unsigned 32-bit big-endian integer.
/// </para>
/// <para>
/// <b>Canonical bytes</b> (<see cref="Canonical"/>): these ten fields, in this order:
/// 1 the format, <c>edgetrain-audit-1</c>;
/// 2 the sequence number in decimal (1, 2, …; no sign, no leading zeros);
/// 3 the time, UTC, as <c>yyyy-MM-ddTHH:mm:ss.fffffffZ</c> (seven fraction digits);
/// 4 who; 5 action; 6 subject; 7 detail;
/// 8 the previous entry's hash (64 lowercase hex digits; 64 zeros for entry 1);
/// 9 the signer's public key, its SubjectPublicKeyInfo (DER) in base64 (RFC 4648, with padding);
/// 10 the signer's certificate (DER, base64), or nothing.
/// </para>
/// <para>
/// <b>Hash</b>: SHA-256 of the canonical bytes, written as 64 lowercase hex digits. <b>Signature</b>: ECDSA
/// on P-256 over that hash as the message digest, which is ECDSA with SHA-256 over the canonical bytes
/// (any library's "SHA256withECDSA" verifies it), written as r‖s (IEEE P1363, 32 bytes each) in base64.
/// </para>
/// <para>
/// <b>Stored record</b> (<see cref="Stored"/>; the coordinator's journal holds one per entry): the canonical
/// bytes followed by two more fields, 11 the hash and 12 the signature, and nothing after them. A record
/// is read back only when it decodes to exactly these twelve fields in canonical form; otherwise it is
/// unreadable (<see cref="AuditEntry.Unreadable"/>), never guessed at.
/// </para>
/// </summary>
public static class AuditEncoding
{
    /// <summary>The format, the first field of every entry.</summary>
    public const string Format = "edgetrain-audit-1";

    /// <summary>The time format of field 3.</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    /// <summary>The previous hash of entry 1: 64 zeros.</summary>
    public static readonly string GenesisHash = new('0', 64);

    private const int Fields = 12;

    // strict: a stored byte that is not UTF-8 makes the record unreadable instead of becoming U+FFFD
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The canonical bytes of <paramref name="entry"/> (fields 1 to 10), which its hash covers.</summary>
    public static byte[] Canonical(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Join(CanonicalFields(entry));
    }

    /// <summary>The stored record of <paramref name="entry"/>: its canonical bytes, then its hash and signature.</summary>
    public static byte[] Stored(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Join([.. CanonicalFields(entry), entry.Hash, entry.Signature]);
    }

    /// <summary>The hash of <paramref name="entry"/>'s fields as they are now: SHA-256 of its canonical bytes, lowercase hex.</summary>
    public static string ComputeHash(AuditEntry entry) => Hex(SHA256.HashData(Canonical(entry)));

    /// <summary>
    /// Reads a stored record. A record that does not decode to twelve fields in canonical form (a changed length,
    /// a byte that is not UTF-8, a sequence number or time not written the canonical way, bytes left over) is
    /// returned as <see cref="AuditEntry.Unreadable"/> at sequence <paramref name="sequenceIfUnreadable"/>, with why.
    /// </summary>
    public static AuditEntry Read(ReadOnlySpan<byte> stored, long sequenceIfUnreadable)
    {
        var fields = new string[Fields];
        var at = 0;
        for (var i = 0; i < Fields; i++)
        {
            if (stored.Length - at < 4)
            {
                return AuditEntry.Unreadable(sequenceIfUnreadable, stored, $"the record ends before field {i + 1} of {Fields}");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(stored[at..]);
            at += 4;
            if (length > (uint)(stored.Length - at))
            {
                return AuditEntry.Unreadable(sequenceIfUnreadable, stored, $"field {i + 1} claims {length} bytes, but {stored.Length - at} are left");
            }

            try
            {
                fields[i] = Strict.GetString(stored.Slice(at, (int)length));
            }
            catch (DecoderFallbackException)
            {
                return AuditEntry.Unreadable(sequenceIfUnreadable, stored, $"field {i + 1} is not UTF-8");
            }

            at += (int)length;
        }

        if (at != stored.Length)
        {
            return AuditEntry.Unreadable(sequenceIfUnreadable, stored, $"{stored.Length - at} bytes follow the last field");
        }

        if (FromFields(fields, out var problem) is not { } entry)
        {
            return AuditEntry.Unreadable(sequenceIfUnreadable, stored, problem!);
        }

        return entry;
    }

    /// <summary>
    /// The entry the twelve texts of a stored record or export line stand for (fields 1 to 10, hash, signature),
    /// or null with <paramref name="problem"/> when the format, sequence number or time is not in canonical form.
    /// </summary>
    public static AuditEntry? FromFields(IReadOnlyList<string> fields, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(fields);
        problem = null;
        if (fields.Count != Fields)
        {
            problem = $"{fields.Count} fields where {Fields} were expected";
            return null;
        }

        if (fields[0] != Format)
        {
            problem = $"its format is '{Shorten(fields[0])}', not {Format}";
            return null;
        }

        if (ParseSequence(fields[1]) is not { } sequence)
        {
            problem = $"its sequence number '{Shorten(fields[1])}' is not a canonical decimal number";
            return null;
        }

        if (ParseTime(fields[2]) is not { } time)
        {
            problem = $"its time '{Shorten(fields[2])}' is not {TimeFormat}";
            return null;
        }

        return new AuditEntry(sequence, time, fields[3], fields[4], fields[5], fields[6], fields[7], fields[8], fields[9], fields[10], fields[11]);
    }

    /// <summary>A sequence number as field 2 writes it.</summary>
    public static string SequenceText(long sequence) => sequence.ToString(CultureInfo.InvariantCulture);

    /// <summary>A time as field 3 writes it (converted to UTC when it is not).</summary>
    public static string TimeText(DateTime time) =>
        (time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time).ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>The sequence number field 2 holds, or null when <paramref name="text"/> is not one in canonical form.</summary>
    public static long? ParseSequence(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 0 && SequenceText(value) == text ? value : null;

    /// <summary>The time field 3 holds (UTC), or null when <paramref name="text"/> is not one in canonical form.</summary>
    public static DateTime? ParseTime(string text) =>
        DateTime.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time)
        && TimeText(time) == text
            ? DateTime.SpecifyKind(time, DateTimeKind.Utc)
            : null;

    /// <summary>Bytes as lowercase hex.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>
    /// <paramref name="text"/> as it reads back from its UTF-8 bytes: what an entry holds, so that an entry
    /// read from storage equals the one written (a lone surrogate becomes U+FFFD before it is hashed, not after).
    /// </summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
    }

    private static string[] CanonicalFields(AuditEntry e) =>
        [Format, SequenceText(e.Sequence), TimeText(e.TimeUtc), e.Who, e.Action, e.Subject, e.Detail, e.PreviousHash, e.SignerKey, e.SignerCertificate];

    private static byte[] Join(IReadOnlyList<string> fields)
    {
        var encoded = fields.Select(Encoding.UTF8.GetBytes).ToArray();
        var bytes = new byte[encoded.Sum(f => 4 + f.Length)];
        var at = 0;
        foreach (var field in encoded)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), (uint)field.Length);
            field.CopyTo(bytes, at + 4);
            at += 4 + field.Length;
        }

        return bytes;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
