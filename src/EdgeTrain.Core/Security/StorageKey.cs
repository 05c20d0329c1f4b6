using System.Security.Cryptography;
using System.Text;

namespace EdgeTrain.Core.Security;

/// <summary>
/// The 256-bit AES key that encrypts what a cluster keeps at rest (<see cref="EncryptedBlob"/>):
/// checkpoint files, saved models, and the parameter shards' journal events and snapshots. It comes
/// from a key file named by <c>edgetrain.storage.key-file</c> (or a program's <c>--key</c>), made by
/// <c>edgetrain key create --out FILE</c>. The file holds the 32 key bytes either as one line of
/// base64 (what <c>key create</c> writes; surrounding white space is ignored) or as exactly 32 raw
/// bytes. Every node that hosts parameter shards, and the seed nodes, must be given the same file.
/// <para>
/// The key's <see cref="Id"/> (the first <see cref="IdSize"/> bytes of its SHA-256, in hex) is stored
/// in everything it encrypts, so that an error can say which key a file needs and which one was given.
/// It reveals nothing useful about the key. <see cref="ToString"/> shows only the id: a key never ends
/// up in a log.
/// </para>
/// </summary>
public sealed class StorageKey
{
    /// <summary>Bytes in a key (AES-256).</summary>
    public const int Size = 32;

    /// <summary>Bytes of the key's SHA-256 that make its id.</summary>
    public const int IdSize = 8;

    private readonly byte[] key;
    private readonly byte[] id;

    private StorageKey(byte[] key, string source)
    {
        this.key = key;
        id = SHA256.HashData(key)[..IdSize];
        Id = FormatId(id);
        Source = source;
    }

    /// <summary>The key's id: the first <see cref="IdSize"/> bytes of its SHA-256, 16 lower-case hex digits.</summary>
    public string Id { get; }

    /// <summary>Where the key came from (its file's path), for error messages.</summary>
    public string Source { get; }

    /// <summary>The key's id as stored in what it encrypts.</summary>
    public ReadOnlySpan<byte> IdBytes => id;

    /// <summary>The key bytes, for the ciphers of this assembly only.</summary>
    internal ReadOnlySpan<byte> Bytes => key;

    /// <summary>A new random key (from the operating system's cryptographic random number generator).</summary>
    public static StorageKey Generate() => new(RandomNumberGenerator.GetBytes(Size), "a new key");

    /// <summary>The key with these <see cref="Size"/> bytes; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidInputException">there are not exactly <see cref="Size"/> bytes.</exception>
    public static StorageKey FromBytes(ReadOnlySpan<byte> bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (bytes.Length != Size)
        {
            throw new InvalidInputException(source, "", $"a storage key is {Size} bytes, found {bytes.Length}");
        }

        return new StorageKey(bytes.ToArray(), source);
    }

    /// <summary>
    /// Parses a key file's contents: one line of base64 of <see cref="Size"/> bytes (white space around
    /// it ignored), or exactly <see cref="Size"/> raw bytes.
    /// </summary>
    /// <exception cref="InvalidInputException">neither (the message names <paramref name="source"/>).</exception>
    public static StorageKey Parse(ReadOnlySpan<byte> contents, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var text = Encoding.ASCII.GetString(contents).Trim();
        var decoded = new byte[Size + 3];
        if (text.Length > 0 && !text.Contains('\n', StringComparison.Ordinal)
            && Convert.TryFromBase64String(text, decoded, out var written) && written == Size)
        {
            return new StorageKey(decoded[..Size], source);
        }

        if (contents.Length == Size)
        {
            return new StorageKey(contents.ToArray(), source);
        }

        throw new InvalidInputException(source, "", string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"not a storage key file: expected one line of base64 of {Size} bytes (edgetrain key create) or {Size} raw bytes, found {contents.Length} bytes"));
    }

    /// <summary>Reads the key file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidInputException">the file is missing, unreadable or not a key file (the message names it).</exception>
    public static StorageKey Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidInputException(path, "", "storage key file not found (make one with: edgetrain key create --out FILE)");
        }

        byte[] contents;
        try
        {
            contents = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, "", $"the storage key file cannot be read: {e.Message}", e);
        }

        try
        {
            return Parse(contents, path);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contents);
        }
    }

    /// <summary>The key in the file at <paramref name="path"/>, or null when the path is null or empty (no encryption).</summary>
    /// <exception cref="InvalidInputException">as <see cref="Load"/>.</exception>
    public static StorageKey? LoadOptional(string? path) => string.IsNullOrWhiteSpace(path) ? null : Load(path);

    /// <summary>
    /// Writes a new random key to <paramref name="path"/> as one line of base64, readable and writable
    /// by its owner only (mode 0600 where files have Unix modes), and returns it. Never overwrites a
    /// file: whatever an existing key encrypted would be lost with it.
    /// </summary>
    /// <exception cref="InvalidInputException">the file exists or cannot be written (the message names it).</exception>
    public static StorageKey CreateFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var created = Generate();
        var full = Path.GetFullPath(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var line = Encoding.ASCII.GetBytes(Convert.ToBase64String(created.key) + "\n");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            using var stream = new FileStream(full, options);
            stream.Write(line);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(full))
        {
            throw new InvalidInputException(path, "", "exists; a key file is never overwritten (what it encrypted could not be read any more): choose another path or remove it yourself");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, "", $"the storage key file cannot be written: {e.Message}", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(line);
        }

        return new StorageKey(created.key, path);
    }

    /// <summary>A key id as text: 16 lower-case hex digits.</summary>
    public static string FormatId(ReadOnlySpan<byte> id) => Convert.ToHexStringLower(id);

    /// <summary>"storage key {id}": never the key itself.</summary>
    public override string ToString() => $"storage key {Id}";
}
