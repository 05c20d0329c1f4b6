using System.Text;

namespace EdgeTrain.Core.Audit;

/// <summary>
/// The coordinator's audit signing key on disk: a PKCS#8 PEM file that only its owner may read (mode 0600 in
/// a 0700 folder on Unix), made on first use, and beside it the public key (<c>.pub.pem</c>, readable by all)
/// for operators to pin with <c>edgetrain audit verify --trust</c>. Each seed node keeps its own key in its
/// data folder; a coordinator that moves to another seed signs with that seed's key and says so in a
/// <c>signer</c> entry.
/// </summary>
public static class AuditKeyFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The public key file beside the key file <paramref name="keyPath"/>.</summary>
    public static string PublicKeyPath(string keyPath)
    {
        ArgumentNullException.ThrowIfNull(keyPath);
        return Path.ChangeExtension(keyPath, null) + ".pub.pem";
    }

    /// <summary>
    /// Reads the key at <paramref name="path"/>, or makes a new one there when there is none. A key file that
    /// others may read is made owner-only again, and <paramref name="warning"/> says so.
    /// </summary>
    /// <exception cref="InvalidInputException">the file is there but holds no P-256 private key.</exception>
    public static AuditSigner LoadOrCreate(string path, out string? warning)
    {
        ArgumentNullException.ThrowIfNull(path);
        warning = null;
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            if (Create(full) is { } created)
            {
                return created;
            }

            // another process made it first: read theirs
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(full);
            if ((mode & ~OwnerOnly) != 0)
            {
                File.SetUnixFileMode(full, OwnerOnly);
                warning = $"the audit signing key {full} could be read by others (mode {Convert.ToString((int)mode, 8)}); made it 0600";
            }
        }

        var signer = AuditSigner.FromPem(File.ReadAllText(full, Encoding.ASCII), full);
        var publicPath = PublicKeyPath(full);
        if (!File.Exists(publicPath))
        {
            File.WriteAllText(publicPath, signer.ExportPublicKeyPem(), Encoding.ASCII);
        }

        return signer;
    }

    // a new key, written only if no file is there (null: one appeared meanwhile)
    private static AuditSigner? Create(string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, OwnerFolder);
        }

        var signer = AuditSigner.Create();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        try
        {
            using (var file = new StreamWriter(path, Encoding.ASCII, options))
            {
                file.Write(signer.ExportPrivateKeyPem());
            }

            File.WriteAllText(PublicKeyPath(path), signer.ExportPublicKeyPem(), Encoding.ASCII);
            return signer;
        }
        catch (IOException) when (File.Exists(path))
        {
            signer.Dispose();
            return null;
        }
    }
}
