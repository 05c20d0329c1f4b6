using System.Globalization;
using System.Runtime.Versioning;
using System.Text;

namespace EdgeTrain.Core.Security;

/// <summary>
/// The file handling of the PKI's folders: folders only their owner can enter (0700), secret files only
/// their owner can read (0600, set when the file is created, so it is never readable by others even for a
/// moment), whole-file replacement through a rename, and appends under an exclusive lock. Unix modes are
/// not checked or set on Windows, where the folder's ACL decides.
/// </summary>
internal static class PrivateFiles
{
    public const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PublicFile = OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode OthersAccess = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    [UnsupportedOSPlatformGuard("windows")]
    private static bool HasUnixModes => !OperatingSystem.IsWindows();

    /// <summary>Creates <paramref name="path"/> if needed and makes it 0700.</summary>
    public static void CreateFolder(string path)
    {
        if (!HasUnixModes)
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, OwnerOnlyFolder);
        File.SetUnixFileMode(path, OwnerOnlyFolder);
    }

    /// <summary>Writes a new file; fails with <see cref="IOException"/> when one is there already (no overwrite, no race).</summary>
    public static void WriteNew(string path, string text, UnixFileMode mode)
    {
        using var stream = new FileStream(path, Options(FileMode.CreateNew, FileAccess.Write, FileShare.None, mode));
        Write(stream, text);
    }

    /// <summary>Replaces <paramref name="path"/> as a whole: a temporary file beside it with <paramref name="mode"/>, flushed, then renamed over it.</summary>
    public static void Replace(string path, string text, UnixFileMode mode)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, Options(FileMode.CreateNew, FileAccess.Write, FileShare.None, mode)))
            {
                Write(stream, text);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> (created 0600 when missing) exclusively — an <c>flock</c> on Unix, a
    /// sharing mode on Windows, so other threads and processes wait — hands its text to
    /// <paramref name="decide"/>, appends the line it returns (if any) and flushes it to disk before the
    /// lock is released. Waits up to 10 s for another holder.
    /// </summary>
    public static T Append<T>(string path, Func<string, (string? Line, T Result)> decide)
    {
        using var stream = OpenExclusive(path);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var text = Utf8.GetString(bytes);
        var (line, result) = decide(text);
        if (line is not null)
        {
            stream.Seek(0, SeekOrigin.End);
            // a line cut short by a crash is closed first, so the new one starts on its own line
            var prefix = text.Length > 0 && !text.EndsWith('\n') ? "\n" : "";
            Write(stream, prefix + line + "\n");
        }

        return result;
    }

    /// <summary>
    /// Rewrites <paramref name="path"/> under the same exclusive lock as <see cref="Append{T}"/>: hands its text
    /// to <paramref name="change"/> and, when that returns another text, writes it in place of the old one and
    /// flushes it before the lock is released. A missing file is left missing.
    /// </summary>
    public static bool Rewrite(string path, Func<string, string> change)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        using var stream = OpenExclusive(path);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var text = Utf8.GetString(bytes);
        var changed = change(text);
        if (string.Equals(changed, text, StringComparison.Ordinal))
        {
            return false;
        }

        stream.SetLength(0);
        stream.Seek(0, SeekOrigin.Begin);
        Write(stream, changed);
        return true;
    }

    /// <summary>Reads <paramref name="path"/> under the same lock as <see cref="Append{T}"/> (empty when it does not exist).</summary>
    public static string ReadLocked(string path) =>
        File.Exists(path) ? Append(path, text => ((string?)null, text)) : "";

    /// <summary>Refuses a secret file that users other than its owner may read, write or execute.</summary>
    /// <exception cref="InvalidInputException">it is, naming the file and its mode.</exception>
    public static void RequireOwnerOnly(string path, string what)
    {
        if (!HasUnixModes)
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & OthersAccess) != 0)
        {
            throw new InvalidInputException(path, "mode",
                $"{what} is open to other users (mode {Octal(mode)}); expected 0600 — run: chmod 600 {path}");
        }
    }

    /// <summary>A Unix mode as four octal digits (<c>0644</c>).</summary>
    public static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');

    /// <summary>A file's text, or an <see cref="InvalidInputException"/> naming it when it is missing.</summary>
    public static string ReadText(string path, string missing)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidInputException(path, "", missing, e);
        }
    }

    private static FileStream OpenExclusive(string path)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, Options(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, OwnerOnlyFile));
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new IOException($"{path}: still locked by another thread or process after {LockTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s: {e.Message}", e);
                }

                Thread.Sleep(Random.Shared.Next(2, 20));
            }
        }
    }

    private static FileStreamOptions Options(FileMode mode, FileAccess access, FileShare share, UnixFileMode unixMode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share };
        if (HasUnixModes && mode is FileMode.CreateNew or FileMode.OpenOrCreate or FileMode.Create)
        {
            options.UnixCreateMode = unixMode;
        }

        return options;
    }

    private static void Write(FileStream stream, string text)
    {
        stream.Write(Utf8.GetBytes(text));
        stream.Flush(flushToDisk: true);
    }
}
