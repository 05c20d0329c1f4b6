using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Enrolment.Server;

/// <summary>
/// The enrolment listener's TLS certificate, kept in a folder of the seed (<c>DATA-DIR/enrolment</c>, mode
/// 0700): <c>server.crt</c> (PEM) and <c>server.key</c> (PEM PKCS#8, mode 0600). <see cref="LoadOrIssue"/>
/// uses them while they are the CA's, name every host they must and have more than a third of their validity
/// left; otherwise it issues new ones with the CA and replaces the files (each written beside, then renamed).
/// </summary>
public static class ServerCertificateFiles
{
    /// <summary>The certificate's file name.</summary>
    public const string CertificateFile = "server.crt";

    /// <summary>The key's file name.</summary>
    public const string KeyFile = "server.key";

    /// <summary>The certificate's common name.</summary>
    public const string CommonName = "EdgeTrain enrolment";

    /// <summary>The certificate in <paramref name="folder"/>, or a new one from <paramref name="ca"/> for <paramref name="names"/>.</summary>
    /// <returns>The certificate with its key, and whether it was issued now.</returns>
    public static (X509Certificate2 Certificate, bool Issued) LoadOrIssue(CertificateAuthority ca, string folder, IReadOnlyCollection<string> names, TimeSpan validity, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(names);
        var certificatePath = Path.Combine(folder, CertificateFile);
        var keyPath = Path.Combine(folder, KeyFile);
        if (TryLoad(certificatePath, keyPath) is { } existing)
        {
            if (IsUsable(existing, ca.Certificate, names, now))
            {
                return (existing, false);
            }

            existing.Dispose();
        }

        using var issued = ca.IssueServer(CommonName, names, validity);
        using var key = issued.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the server certificate has no ECDSA key");
        CreateFolder(folder);
        Replace(keyPath, key.ExportPkcs8PrivateKeyPem(), secret: true);
        Replace(certificatePath, issued.ExportCertificatePem(), secret: false);
        return (Loadable(issued), true);
    }

    /// <summary>True when <paramref name="certificate"/> was issued by <paramref name="ca"/>, names every one of <paramref name="names"/>, and has more than a third of its validity left.</summary>
    public static bool IsUsable(X509Certificate2 certificate, X509Certificate2 ca, IEnumerable<string> names, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentNullException.ThrowIfNull(names);
        if (NodeIdentity.NeedsRenewal(certificate, now) || now.UtcDateTime < certificate.NotBefore.ToUniversalTime())
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        if (!chain.Build(certificate))
        {
            return false;
        }

        var alternative = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (alternative is null)
        {
            return false;
        }

        var dns = alternative.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var addresses = alternative.EnumerateIPAddresses().ToHashSet();
        return names.All(name => IPAddress.TryParse(name, out var address) ? addresses.Contains(address) : dns.Contains(name));
    }

    private static X509Certificate2? TryLoad(string certificatePath, string keyPath)
    {
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            return null;
        }

        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            return Loadable(pem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException)
        {
            // unreadable: replaced by a new one
            return null;
        }
    }

    // through PKCS#12: a key imported from PEM is ephemeral, which SslStream cannot use on Windows
    private static X509Certificate2 Loadable(X509Certificate2 certificate)
    {
        var pfx = certificate.Export(X509ContentType.Pkcs12);
        try
        {
            return X509CertificateLoader.LoadPkcs12(pfx, password: null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pfx);
        }
    }

    private static void CreateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }

        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void Replace(string path, string text, bool secret)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = secret
                    ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                    : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            }

            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, "", $"cannot write the enrolment listener's certificate: {e.Message}", e);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
