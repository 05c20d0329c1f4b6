using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using EdgeTrain.Core.Integrity;

namespace EdgeTrain.Core.Security;

/// <summary>What an <see cref="EncryptedBlob"/> holds; stored in its header and authenticated with it.</summary>
public enum EncryptedContent : byte
{
    /// <summary>A checkpoint file (<c>*.ckpt</c>, <see cref="Parameters.CheckpointFile"/>).</summary>
    CheckpointFile = 1,

    /// <summary>A saved model (<c>model.bin</c>, TorchSharp's format inside).</summary>
    ModelFile = 2,

    /// <summary>A parameter shard's journal event or snapshot (the tensor payload serializer's fields).</summary>
    StoredRecord = 3,
}

/// <summary>What the checks of an <see cref="EncryptedBlob"/> that need no decryption found (<see cref="EncryptedBlob.Check(ReadOnlySpan{byte}, StorageKey?)"/>).</summary>
public enum BlobCheck
{
    /// <summary>The header is intact, names the key given and announces the ciphertext that follows it; only the tag is left to check.</summary>
    Intact,

    /// <summary>It does not start with the magic "ETEN".</summary>
    NotEncrypted,

    /// <summary>Shorter than its header, or than the ciphertext its header announces (or longer).</summary>
    Truncated,

    /// <summary>The header's CRC-32C does not match: a damaged header.</summary>
    DamagedHeader,

    /// <summary>An intact header of a format version this program does not read.</summary>
    UnknownVersion,

    /// <summary>Encrypted, and no key is given.</summary>
    NoKey,

    /// <summary>An intact header that names another key than the one given.</summary>
    OtherKey,
}

/// <summary>
/// The authenticated encrypted container for what is kept at rest: AES-256-GCM under a
/// <see cref="StorageKey"/>, with a random 96-bit nonce and a 128-bit tag. All numbers little-endian:
/// <code>
///   offset  size  field
///        0     4  magic "ETEN"
///        4     1  format version: 1
///        5     1  content (EncryptedContent): 1 checkpoint file, 2 model file, 3 stored record
///        6     8  key id: the first 8 bytes of SHA-256 of the key
///       14     8  ciphertext length in bytes (int64)
///       22    12  nonce (random, new for every blob)
///       34     4  CRC-32C of bytes 0–33
///       38    16  tag
///       54     n  ciphertext (as long as the plaintext)
/// </code>
/// The associated data is the header up to the tag (bytes 0–37) followed by the caller's context
/// (bytes that are not stored: the serializer's manifest, so that a record cannot pass for a record of
/// another kind). A change to any byte of the header, the tag or the ciphertext fails the tag. The
/// header's CRC-32C is no protection (the tag is); it tells a damaged header from an intact one that
/// names another key, so that "encrypted with another key" is never said of a damaged file, and a
/// reader can treat the two differently (a shard skips a damaged record, but does not recover at all
/// from records of another key).
/// <para>
/// <see cref="Open(ReadOnlySpan{byte}, StorageKey?, EncryptedContent, string, ReadOnlySpan{byte})"/>
/// checks, in order: magic, length of the header, the header's CRC-32C, format version, that a key is
/// given, that it is the key the header names, the ciphertext's length, the tag, and last the content
/// kind (which the tag has authenticated by then); <see cref="Check(ReadOnlySpan{byte}, StorageKey?)"/> tells which of the checks before
/// the tag fails. Every failure is an <see cref="InvalidInputException"/> naming the source; no
/// plaintext is returned, and a destination buffer is cleared.
/// </para>
/// <para>
/// Random nonces keep the chance of two blobs sharing a nonce under 2^-32 for up to 2^32 blobs under
/// one key (NIST SP 800-38D); docs/decisions.md says what that means for a cluster's journal.
/// </para>
/// </summary>
public static class EncryptedBlob
{
    /// <summary>The container's format version.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Bytes before the ciphertext.</summary>
    public const int HeaderSize = 54;

    /// <summary>Bytes of the nonce.</summary>
    public const int NonceSize = 12;

    /// <summary>Bytes of the tag.</summary>
    public const int TagSize = 16;

    private const int KindAt = 5;
    private const int KeyIdAt = 6;
    private const int LengthAt = 14;
    private const int NonceAt = 22;
    private const int HeaderCrcAt = 34;
    private const int TagAt = 38;

    // what the associated data covers: the header before the tag
    private const int AuthenticatedHeader = TagAt;

    // associated data up to this size (header and context) is built on the stack
    private const int MaxStackAssociated = 512;

    /// <summary>The four bytes every encrypted blob starts with: "ETEN".</summary>
    public static ReadOnlySpan<byte> Magic => "ETEN"u8;

    /// <summary>Whether <paramref name="bytes"/> start like an encrypted blob (its magic); says nothing of whether it opens.</summary>
    public static bool IsEncrypted(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Magic);

    /// <summary>The key id the header of <paramref name="bytes"/> names, or null when it is too short to name one or not a blob.</summary>
    public static string? KeyIdOf(ReadOnlySpan<byte> bytes) =>
        IsEncrypted(bytes) && bytes.Length >= KeyIdAt + StorageKey.IdSize ? StorageKey.FormatId(bytes.Slice(KeyIdAt, StorageKey.IdSize)) : null;

    /// <summary>The size of the blob that holds <paramref name="plaintextLength"/> bytes.</summary>
    public static int SealedLength(int plaintextLength) => checked(HeaderSize + plaintextLength);

    /// <summary>Encrypts <paramref name="plaintext"/> into a new blob.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> plaintext, StorageKey key, EncryptedContent content, ReadOnlySpan<byte> context = default)
    {
        var blob = new byte[SealedLength(plaintext.Length)];
        Seal(plaintext, key, content, context, blob);
        return blob;
    }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> into <paramref name="destination"/>, which must be exactly
    /// <see cref="SealedLength"/> bytes. The plaintext may already sit where its ciphertext goes
    /// (<c>destination[HeaderSize..]</c>, the very same bytes): it is encrypted in place, with no copy.
    /// </summary>
    /// <exception cref="ArgumentException">the destination has the wrong size, or overlaps the plaintext other than exactly.</exception>
    public static void Seal(ReadOnlySpan<byte> plaintext, StorageKey key, EncryptedContent content, ReadOnlySpan<byte> context, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (destination.Length != SealedLength(plaintext.Length))
        {
            throw new ArgumentException($"the destination holds {destination.Length} bytes; a blob of {plaintext.Length} bytes needs {SealedLength(plaintext.Length)}", nameof(destination));
        }

        var header = destination[..HeaderSize];
        Magic.CopyTo(header);
        header[4] = FormatVersion;
        header[KindAt] = (byte)content;
        key.IdBytes.CopyTo(header[KeyIdAt..]);
        BinaryPrimitives.WriteInt64LittleEndian(header[LengthAt..], plaintext.Length);
        RandomNumberGenerator.Fill(header.Slice(NonceAt, NonceSize));
        BinaryPrimitives.WriteUInt32LittleEndian(header[HeaderCrcAt..], Crc32C.Compute(header[..HeaderCrcAt]));
        var size = AuthenticatedHeader + context.Length;
        Span<byte> associated = size <= MaxStackAssociated ? stackalloc byte[size] : new byte[size];
        header[..AuthenticatedHeader].CopyTo(associated);
        context.CopyTo(associated[AuthenticatedHeader..]);
        using var aes = new AesGcm(key.Bytes, TagSize);
        aes.Encrypt(header.Slice(NonceAt, NonceSize), plaintext, destination[HeaderSize..], header.Slice(TagAt, TagSize), associated);
    }

    /// <summary>
    /// Decrypts and authenticates <paramref name="blob"/>; <paramref name="source"/> (a file path, a
    /// record's description) names it in errors.
    /// </summary>
    /// <exception cref="InvalidInputException">the blob does not open (see the class remarks): nothing is returned.</exception>
    public static byte[] Open(ReadOnlySpan<byte> blob, StorageKey? key, EncryptedContent content, string source, ReadOnlySpan<byte> context = default)
    {
        var length = CheckHeader(blob, key, source);
        var plaintext = new byte[length];
        Open(blob, key, content, source, context, plaintext);
        return plaintext;
    }

    /// <summary>
    /// Decrypts and authenticates <paramref name="blob"/> into <paramref name="plaintext"/>, which must
    /// hold <c>blob.Length - HeaderSize</c> bytes; on any failure it is cleared.
    /// </summary>
    /// <returns>The plaintext's length.</returns>
    /// <exception cref="InvalidInputException">the blob does not open (see the class remarks).</exception>
    public static int Open(ReadOnlySpan<byte> blob, StorageKey? key, EncryptedContent content, string source, ReadOnlySpan<byte> context, Span<byte> plaintext)
    {
        var length = CheckHeader(blob, key, source);
        if (plaintext.Length < length)
        {
            throw new ArgumentException($"the plaintext buffer holds {plaintext.Length} bytes; the blob's ciphertext is {length}", nameof(plaintext));
        }

        var header = blob[..HeaderSize];
        var output = plaintext[..length];
        var size = AuthenticatedHeader + context.Length;
        Span<byte> associated = size <= MaxStackAssociated ? stackalloc byte[size] : new byte[size];
        header[..AuthenticatedHeader].CopyTo(associated);
        context.CopyTo(associated[AuthenticatedHeader..]);
        try
        {
            using var aes = new AesGcm(key!.Bytes, TagSize);
            aes.Decrypt(header.Slice(NonceAt, NonceSize), blob[HeaderSize..], header.Slice(TagAt, TagSize), output, associated);
        }
        catch (AuthenticationTagMismatchException e)
        {
            CryptographicOperations.ZeroMemory(output);
            throw new InvalidInputException(source, "tag", $"the {(content == EncryptedContent.StoredRecord ? "record" : "file")} is damaged or was changed: its AES-GCM tag does not match under storage key {key!.Id}", e);
        }

        var kind = (EncryptedContent)header[KindAt];
        if (kind != content)
        {
            CryptographicOperations.ZeroMemory(output);
            throw new InvalidInputException(source, "content", $"holds {Describe(kind)}, not {Describe(content)}");
        }

        return length;
    }

    /// <summary>
    /// The plain bytes of what is stored at <paramref name="source"/>: <paramref name="stored"/> itself
    /// when it is not encrypted and no key is configured, its plaintext when it is encrypted with
    /// <paramref name="key"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">
    /// it is not encrypted but a key is configured, or encrypted but no key (or another key) is, or it
    /// does not open (see the class remarks): nothing is returned.
    /// </exception>
    public static byte[] Unprotect(byte[] stored, StorageKey? key, EncryptedContent content, string source)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (IsEncrypted(stored))
        {
            return Open(stored, key, content, source);
        }

        if (key is not null)
        {
            throw new InvalidInputException(source, "encryption",
                $"not encrypted, and a storage key is configured ({key.Id}, {key.Source}): a plain {Noun(content)} is refused where an encrypted one is expected; read it without a key (no --key, empty edgetrain.storage.key-file)");
        }

        return stored;
    }

    /// <summary>What is stored for <paramref name="plain"/>: a blob when <paramref name="key"/> is given, the plain bytes when it is null.</summary>
    public static byte[] Protect(byte[] plain, StorageKey? key, EncryptedContent content)
    {
        ArgumentNullException.ThrowIfNull(plain);
        return key is null ? plain : Seal(plain, key, content);
    }

    /// <summary>
    /// What the checks that need no decryption say of <paramref name="blob"/> under <paramref name="key"/>
    /// (no exception): <see cref="BlobCheck.Intact"/> when the header is intact, names
    /// <paramref name="key"/> and announces the ciphertext that follows it (the tag may still fail).
    /// </summary>
    public static BlobCheck Check(ReadOnlySpan<byte> blob, StorageKey? key) => Inspect(blob, key, out _, out _);

    /// <summary>As <see cref="Check(ReadOnlySpan{byte}, StorageKey?)"/>, with what is wrong in words (null when intact).</summary>
    public static BlobCheck Check(ReadOnlySpan<byte> blob, StorageKey? key, out string? problem) => Inspect(blob, key, out _, out problem);

    // the checks that need no decryption; the ciphertext's length when they pass
    private static int CheckHeader(ReadOnlySpan<byte> blob, StorageKey? key, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var check = Inspect(blob, key, out var length, out var problem);
        if (check == BlobCheck.Intact)
        {
            return (int)length;
        }

        var part = check switch
        {
            BlobCheck.NotEncrypted => "magic",
            BlobCheck.Truncated => "length",
            BlobCheck.DamagedHeader => "header",
            BlobCheck.UnknownVersion => "version",
            BlobCheck.NoKey => "encryption",
            BlobCheck.OtherKey => "key id",
            _ => "",
        };
        throw new InvalidInputException(source, part, problem!);
    }

    private static BlobCheck Inspect(ReadOnlySpan<byte> blob, StorageKey? key, out long length, out string? problem)
    {
        length = 0;
        if (!IsEncrypted(blob))
        {
            problem = "not encrypted (it does not start with \"ETEN\")";
            return BlobCheck.NotEncrypted;
        }

        if (blob.Length < HeaderSize)
        {
            problem = $"truncated: {blob.Length} bytes cannot hold the {HeaderSize}-byte header of an encrypted file";
            return BlobCheck.Truncated;
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(blob[HeaderCrcAt..]);
        var computed = Crc32C.Compute(blob[..HeaderCrcAt]);
        if (stored != computed)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"the encryption header is damaged: CRC-32C stored {stored:X8}, computed {computed:X8}");
            return BlobCheck.DamagedHeader;
        }

        if (blob[4] != FormatVersion)
        {
            problem = $"encryption format version {blob[4]}; this program reads version {FormatVersion}";
            return BlobCheck.UnknownVersion;
        }

        var needed = StorageKey.FormatId(blob.Slice(KeyIdAt, StorageKey.IdSize));
        if (key is null)
        {
            problem = $"encrypted with storage key {needed}, and no storage key is configured: give its key file (--key FILE, or edgetrain.storage.key-file)";
            return BlobCheck.NoKey;
        }

        if (!blob.Slice(KeyIdAt, StorageKey.IdSize).SequenceEqual(key.IdBytes))
        {
            problem = $"encrypted with another storage key: it needs key {needed}, the configured key is {key.Id} ({key.Source})";
            return BlobCheck.OtherKey;
        }

        length = BinaryPrimitives.ReadInt64LittleEndian(blob[LengthAt..]);
        var present = blob.Length - HeaderSize;
        if (length != present)
        {
            problem = length > present
                ? string.Create(CultureInfo.InvariantCulture, $"truncated: the header announces {length} bytes of ciphertext, {present} are there")
                : string.Create(CultureInfo.InvariantCulture, $"{present - length} bytes after the {length} bytes of ciphertext the header announces");
            return BlobCheck.Truncated;
        }

        problem = null;
        return BlobCheck.Intact;
    }

    private static string Noun(EncryptedContent content) => content switch
    {
        EncryptedContent.CheckpointFile => "checkpoint file",
        EncryptedContent.ModelFile => "model file",
        EncryptedContent.StoredRecord => "stored record",
        _ => $"content of kind {(byte)content}",
    };

    private static string Describe(EncryptedContent content) => content switch
    {
        EncryptedContent.CheckpointFile or EncryptedContent.ModelFile => "an encrypted " + Noun(content),
        EncryptedContent.StoredRecord => "an encrypted journal or snapshot record",
        _ => $"encrypted content of unknown kind {(byte)content}",
    };
}
