namespace EdgeTrain.Core.Security;

/// <summary>
/// A file kept at rest, encrypted (<see cref="EncryptedBlob"/>) when a <see cref="StorageKey"/> is
/// configured and plain when none is: checkpoint files and saved models. The plaintext is encrypted in
/// memory before anything is written, so it never reaches the disk; the file is written to a temporary
/// file beside it that is flushed and then renamed, so a crash never leaves half a file.
/// </summary>
public static class StoredFile
{
    /// <summary>Writes <paramref name="plain"/> to <paramref name="path"/>, encrypted with <paramref name="key"/> when it is given; creates the folder.</summary>
    public static async Task WriteAsync(string path, byte[] plain, StorageKey? key, EncryptedContent content, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        var bytes = EncryptedBlob.Protect(plain, key, content);
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await stream.WriteAsync(bytes, cancellation).ConfigureAwait(false);
            await stream.FlushAsync(cancellation).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, full, overwrite: true);
    }

    /// <summary>Writes as <see cref="WriteAsync"/> does, synchronously.</summary>
    public static void Write(string path, byte[] plain, StorageKey? key, EncryptedContent content) =>
        WriteAsync(path, plain, key, content).GetAwaiter().GetResult();

    /// <summary>
    /// The plain bytes of the file at <paramref name="path"/>: decrypted and authenticated with
    /// <paramref name="key"/> when it is encrypted, as they are when it is plain and no key is given.
    /// <paramref name="noun"/> (for example "checkpoint file") names the kind of file in errors.
    /// </summary>
    /// <exception cref="InvalidInputException">
    /// the file is missing or unreadable, plain while a key is given, encrypted while none (or another) is,
    /// damaged, changed or truncated (the message names it); nothing is returned.
    /// </exception>
    public static async Task<byte[]> ReadAsync(string path, StorageKey? key, EncryptedContent content, string noun, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidInputException(path, "", $"{noun} not found");
        }

        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, "", $"cannot be read: {e.Message}", e);
        }

        return EncryptedBlob.Unprotect(bytes, key, content, path);
    }

    /// <summary>Reads as <see cref="ReadAsync"/> does, synchronously.</summary>
    /// <exception cref="InvalidInputException">as <see cref="ReadAsync"/>.</exception>
    public static byte[] Read(string path, StorageKey? key, EncryptedContent content, string noun) =>
        ReadAsync(path, key, content, noun).GetAwaiter().GetResult();
}
