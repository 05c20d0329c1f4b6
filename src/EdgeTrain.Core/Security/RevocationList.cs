using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EdgeTrain.Core.Security;

/// <summary>
/// One revoked certificate: its serial number, the node it named, why and when — signed by the CA that
/// revoked it, so a revocation can travel through any member of the cluster and still be believed only
/// when the CA made it. Made by <see cref="CertificateAuthority.Revoke(string, string, string)"/>; read
/// back only through <see cref="RevocationList"/>, which checks the signature.
/// </summary>
public sealed class Revocation
{
    private static readonly byte[] SignatureContext = "edgetrain revocation v1\0"u8.ToArray();

    internal Revocation(string serial, string nodeId, string reason, DateTimeOffset revokedAt, byte[] signature)
    {
        Serial = serial;
        NodeId = nodeId;
        Reason = reason;
        RevokedAt = revokedAt;
        Signature = signature;
    }

    /// <summary>The certificate's serial number in upper-case hexadecimal, as <see cref="X509Certificate2.SerialNumber"/> writes it.</summary>
    public string Serial { get; }

    /// <summary>The node id the certificate named (empty when the CA was not told).</summary>
    public string NodeId { get; }

    /// <summary>Why it was revoked (one line, at most <see cref="RevocationList.MaxReasonLength"/> characters).</summary>
    public string Reason { get; }

    /// <summary>When it was revoked (whole seconds, UTC).</summary>
    public DateTimeOffset RevokedAt { get; }

    internal byte[] Signature { get; }

    /// <summary>The entry as one line of the file form, signature included: how it travels between nodes (<see cref="RevocationList.Parse"/> reads it back, checking the signature).</summary>
    public string ToLine() => RevocationList.Line(this);

    /// <summary>The serial, node, time and reason.</summary>
    public override string ToString() => $"{Serial} ({(NodeId.Length == 0 ? "unknown node" : NodeId)}) revoked {JoinToken.Format(RevokedAt)}: {Reason}";

    internal static Revocation Sign(ECDsa caKey, string serial, string nodeId, string reason, DateTimeOffset revokedAt)
    {
        var unsigned = new Revocation(serial, nodeId, reason, revokedAt, []);
        var signature = caKey.SignData(unsigned.SignedBytes(), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new Revocation(serial, nodeId, reason, revokedAt, signature);
    }

    internal bool VerifiesWith(ECDsa caKey) =>
        caKey.VerifyData(SignedBytes(), Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>The entry's fields as the wire form writes them (without the signature).</summary>
    internal void WriteFields(List<byte> into)
    {
        var serial = Convert.FromHexString(Serial);
        into.Add((byte)serial.Length);
        into.AddRange(serial);
        Span<byte> seconds = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(seconds, RevokedAt.ToUnixTimeSeconds());
        into.AddRange(seconds);
        var node = Encoding.UTF8.GetBytes(NodeId);
        into.Add((byte)node.Length);
        into.AddRange(node);
        var reason = Encoding.UTF8.GetBytes(Reason);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)reason.Length);
        into.AddRange(length);
        into.AddRange(reason);
    }

    private byte[] SignedBytes()
    {
        var bytes = new List<byte>(SignatureContext);
        WriteFields(bytes);
        return [.. bytes];
    }
}

/// <summary>
/// The certificates the cluster's CA has revoked. Every entry is signed by the CA
/// (<see cref="Revocation"/>) and checked whenever a list is read, so lists can be gossiped and merged
/// (<see cref="Merge"/>: the union) by any member without trusting it. There is no way to remove an entry:
/// revoking is permanent, and a merge never loses one. A serial revoked twice keeps its earlier entry.
/// </summary>
/// <remarks>
/// <para>File form (the CA folder's <c>revoked</c>, a node's <c>identity/revoked</c>): UTF-8 text, one entry a
/// line, tab-separated: serial (hex), revoked at (<c>yyyy-MM-ddTHH:mm:ssZ</c>), node id, CA signature
/// (base64url), reason; lines starting with <c>#</c> are comments.</para>
/// <para>Wire form (<see cref="ToBytes"/>, integers big-endian): <c>ER</c>, version 1, 4 bytes entry count, then
/// per entry: 1 byte length and the serial's bytes, 8 bytes Unix seconds, 1 byte length and the node id in
/// UTF-8, 2 bytes length and the reason in UTF-8, 1 byte length and the signature (IEEE P1363). About 100
/// bytes an entry.</para>
/// </remarks>
public sealed class RevocationList
{
    /// <summary>The longest reason kept; longer ones are cut.</summary>
    public const int MaxReasonLength = 200;

    /// <summary>The most entries a list read from the wire may hold.</summary>
    public const int MaxEntries = 1_000_000;

    private const byte WireVersion = 1;
    internal const string Header = "# edgetrain revocation list: serial, revoked at (UTC), node, CA signature (base64url), reason";
    private readonly SortedDictionary<string, Revocation> entries;

    private RevocationList(SortedDictionary<string, Revocation> entries) => this.entries = entries;

    /// <summary>A list without entries.</summary>
    public static RevocationList Empty { get; } = new(new SortedDictionary<string, Revocation>(StringComparer.Ordinal));

    /// <summary>The entries, by serial.</summary>
    public IReadOnlyCollection<Revocation> Entries => entries.Values;

    /// <summary>How many certificates are revoked.</summary>
    public int Count => entries.Count;

    /// <summary>True when the certificate with serial <paramref name="serial"/> (hexadecimal; case, spaces and colons do not matter) is revoked.</summary>
    public bool Contains(string serial) => Find(serial) is not null;

    /// <summary>True when <paramref name="certificate"/> is revoked.</summary>
    public bool Contains(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return entries.ContainsKey(certificate.SerialNumber);
    }

    /// <summary>The entry of serial <paramref name="serial"/>, or null.</summary>
    public Revocation? Find(string serial) =>
        TryNormalize(serial, out var normalized) && entries.TryGetValue(normalized, out var entry) ? entry : null;

    /// <summary>Every entry of this list and <paramref name="other"/> (both were checked when they were read).</summary>
    public RevocationList Merge(RevocationList other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0)
        {
            return this;
        }

        var merged = new SortedDictionary<string, Revocation>(entries, StringComparer.Ordinal);
        foreach (var entry in other.entries.Values)
        {
            Add(merged, entry);
        }

        return merged.Count == entries.Count && merged.Values.SequenceEqual(entries.Values) ? this : new RevocationList(merged);
    }

    /// <summary>The list's wire form.</summary>
    public byte[] ToBytes()
    {
        var bytes = new List<byte>(7 + (entries.Count * 100)) { (byte)'E', (byte)'R', WireVersion };
        Span<byte> count = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(count, entries.Count);
        bytes.AddRange(count);
        foreach (var entry in entries.Values)
        {
            entry.WriteFields(bytes);
            bytes.Add((byte)entry.Signature.Length);
            bytes.AddRange(entry.Signature);
        }

        return [.. bytes];
    }

    /// <summary>Reads a list's wire form and checks every entry's signature against <paramref name="ca"/>.</summary>
    /// <exception cref="InvalidInputException">it is malformed, or an entry is not signed by that CA (naming its serial and <paramref name="source"/>).</exception>
    public static RevocationList FromBytes(ReadOnlySpan<byte> bytes, X509Certificate2 ca, string source)
    {
        ArgumentNullException.ThrowIfNull(ca);
        using var key = CaKey(ca, source);
        if (bytes.Length < 7 || bytes[0] != 'E' || bytes[1] != 'R')
        {
            throw new InvalidInputException(source, "format", "expected a revocation list (it starts with 'ER')");
        }

        if (bytes[2] != WireVersion)
        {
            throw new InvalidInputException(source, "format", $"revocation list version {bytes[2]}; this program reads version {WireVersion}");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(bytes[3..]);
        if (count is < 0 or > MaxEntries)
        {
            throw new InvalidInputException(source, "format", $"expected 0 to {MaxEntries} entries, found {count}");
        }

        var read = new SortedDictionary<string, Revocation>(StringComparer.Ordinal);
        var reader = new WireReader(bytes, 7, source);
        for (var i = 0; i < count; i++)
        {
            var where = $"entry {i + 1}";
            var serial = Convert.ToHexString(reader.Take(reader.Byte(where), where));
            var seconds = BinaryPrimitives.ReadInt64BigEndian(reader.Take(8, where));
            var node = Encoding.UTF8.GetString(reader.Take(reader.Byte(where), where));
            var reason = Encoding.UTF8.GetString(reader.Take(BinaryPrimitives.ReadUInt16BigEndian(reader.Take(2, where)), where));
            var signature = reader.Take(reader.Byte(where), where).ToArray();
            if (serial.Length == 0 || seconds < DateTimeOffset.MinValue.ToUnixTimeSeconds() || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            {
                throw new InvalidInputException(source, where, "an empty serial or a time out of range (altered)");
            }

            Add(read, Checked(new Revocation(serial, node, reason, DateTimeOffset.FromUnixTimeSeconds(seconds), signature), key, source, where));
        }

        if (reader.Remaining != 0)
        {
            throw new InvalidInputException(source, "format", $"{reader.Remaining} bytes after the last entry");
        }

        return new RevocationList(read);
    }

    /// <summary>Reads a list file (none there: <see cref="Empty"/>) and checks every entry's signature against <paramref name="ca"/>.</summary>
    /// <exception cref="InvalidInputException">a line is malformed or not signed by that CA, naming the file and line.</exception>
    public static RevocationList Load(string path, X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(path);
        return File.Exists(path) ? Parse(File.ReadAllText(path), ca, path) : Empty;
    }

    /// <summary>Writes the list to <paramref name="path"/> (replacing the file as a whole: a reader sees the old or the new list).</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        PrivateFiles.Replace(path, ToText(), PrivateFiles.PublicFile);
    }

    /// <summary>The file form.</summary>
    public string ToText()
    {
        var text = new StringBuilder(Header).Append('\n');
        foreach (var entry in entries.Values)
        {
            text.Append(Line(entry)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Reads the file form (<see cref="ToText"/>, or lines of <see cref="Revocation.ToLine"/>) and checks every entry's signature against <paramref name="ca"/>.</summary>
    /// <exception cref="InvalidInputException">a line is malformed or not signed by that CA, naming <paramref name="source"/> and the line.</exception>
    public static RevocationList Parse(string text, X509Certificate2 ca, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(ca);
        using var key = CaKey(ca, source);
        var read = new SortedDictionary<string, Revocation>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            var trimmed = line.TrimEnd('\r');
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            var where = $"line {number}";
            var fields = trimmed.Split('\t');
            if (fields.Length != 5
                || !TryNormalize(fields[0], out var serial)
                || !DateTimeOffset.TryParseExact(fields[1], "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                || !Base64Url.IsValid(fields[3]))
            {
                throw new InvalidInputException(source, where, "expected serial, time (yyyy-MM-ddTHH:mm:ssZ), node, signature and reason separated by tabs");
            }

            Add(read, Checked(new Revocation(serial, fields[2], fields[4], at, Base64Url.DecodeFromChars(fields[3])), key, source, where));
        }

        return new RevocationList(read);
    }

    internal static string Line(Revocation entry) =>
        $"{entry.Serial}\t{entry.RevokedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}\t{entry.NodeId}\t{Base64Url.EncodeToString(entry.Signature)}\t{entry.Reason}";

    /// <summary>A serial as <see cref="X509Certificate2.SerialNumber"/> writes it: upper-case hex, an even number of digits (case, spaces and colons dropped); false when it is not one.</summary>
    public static bool TryNormalize(string? serial, out string normalized)
    {
        normalized = string.Concat((serial ?? "").Where(c => c is not (':' or ' ' or '\t'))).ToUpperInvariant();
        return normalized.Length is > 0 and <= 2 * 64 && normalized.Length % 2 == 0 && normalized.All(char.IsAsciiHexDigit);
    }

    /// <summary>A reason as an entry keeps it: one line without tabs, at most <see cref="MaxReasonLength"/> characters.</summary>
    internal static string CleanReason(string reason)
    {
        var clean = string.Concat(reason.Select(c => char.IsControl(c) ? ' ' : c)).Trim();
        return clean.Length > MaxReasonLength ? clean[..MaxReasonLength] : clean;
    }

    internal RevocationList With(Revocation entry)
    {
        var more = new SortedDictionary<string, Revocation>(entries, StringComparer.Ordinal);
        Add(more, entry);
        return new RevocationList(more);
    }

    private static void Add(SortedDictionary<string, Revocation> into, Revocation entry)
    {
        // a serial revoked twice (two seeds at once) keeps one entry, the same one whatever the order of merges
        if (!into.TryGetValue(entry.Serial, out var present) || Earlier(entry, present))
        {
            into[entry.Serial] = entry;
        }
    }

    private static bool Earlier(Revocation a, Revocation b) =>
        a.RevokedAt != b.RevokedAt
            ? a.RevokedAt < b.RevokedAt
            : a.Signature.AsSpan().SequenceCompareTo(b.Signature) < 0;

    private static Revocation Checked(Revocation entry, ECDsa key, string source, string where) =>
        NodeIds.IsValid(entry.NodeId) || entry.NodeId.Length == 0
            ? entry.VerifiesWith(key)
                ? entry
                : throw new InvalidInputException(source, where, $"the entry for serial {entry.Serial} is not signed by this cluster's CA (altered, or from another CA)")
            : throw new InvalidInputException(source, where, $"the entry for serial {entry.Serial} names an invalid node id");

    private static ECDsa CaKey(X509Certificate2 ca, string source) =>
        ca.GetECDsaPublicKey() ?? throw new InvalidInputException(source, "ca", $"the CA certificate {ca.Subject} has no ECDSA key to check signatures with");

    /// <summary>Reads the wire form front to back; running past its end is an error naming the entry.</summary>
    private ref struct WireReader
    {
        private readonly ReadOnlySpan<byte> bytes;
        private readonly string source;
        private int at;

        public WireReader(ReadOnlySpan<byte> bytes, int at, string source)
        {
            this.bytes = bytes;
            this.at = at;
            this.source = source;
        }

        public readonly int Remaining => bytes.Length - at;

        public byte Byte(string where) => Take(1, where)[0];

        public ReadOnlySpan<byte> Take(int length, string where)
        {
            if (length > Remaining)
            {
                throw new InvalidInputException(source, where, "the list ends inside it (cut short or altered)");
            }

            var taken = bytes.Slice(at, length);
            at += length;
            return taken;
        }
    }
}
