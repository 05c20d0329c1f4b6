using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeTrain.Core.Security;

/// <summary>
/// Where a node keeps its identity, <c>&lt;data-dir&gt;/identity/</c> (mode 0700): <c>node.crt</c> (its
/// certificate, PEM), <c>node.key</c> (its private key, PEM PKCS#8, mode 0600), <c>ca.crt</c> (the cluster
/// CA's certificate, PEM) and <c>revoked</c> (its copy of the <see cref="RevocationList"/>). Files are
/// replaced whole (written beside, then renamed), so a reader never sees half a file.
/// </summary>
public sealed class IdentityFolder
{
    /// <summary>The folder's name inside a node's data folder.</summary>
    public const string FolderName = "identity";

    /// <summary>The node certificate's file name.</summary>
    public const string CertificateFile = "node.crt";

    /// <summary>The node key's file name.</summary>
    public const string KeyFile = "node.key";

    /// <summary>The CA certificate's file name.</summary>
    public const string CaFile = "ca.crt";

    /// <summary>The revocation list copy's file name.</summary>
    public const string RevokedFile = "revoked";

    /// <summary>The identity folder at <paramref name="path"/>.</summary>
    public IdentityFolder(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>The node certificate's path.</summary>
    public string CertificatePath => System.IO.Path.Combine(Path, CertificateFile);

    /// <summary>The node key's path.</summary>
    public string KeyPath => System.IO.Path.Combine(Path, KeyFile);

    /// <summary>The CA certificate's path.</summary>
    public string CaPath => System.IO.Path.Combine(Path, CaFile);

    /// <summary>The revocation list copy's path.</summary>
    public string RevokedPath => System.IO.Path.Combine(Path, RevokedFile);

    /// <summary>True when the certificate, key and CA certificate are all there (the node has enrolled).</summary>
    public bool Exists => File.Exists(CertificatePath) && File.Exists(KeyPath) && File.Exists(CaPath);

    /// <summary>The identity folder of the node whose data folder is <paramref name="dataDirectory"/>.</summary>
    public static IdentityFolder InDataDirectory(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        return new IdentityFolder(System.IO.Path.Combine(dataDirectory, FolderName));
    }

    /// <summary>Writes <paramref name="certificate"/>, which holds its private key, and the CA's certificate.</summary>
    /// <exception cref="ArgumentException">the certificate has no exportable ECDSA or RSA private key.</exception>
    public void Write(X509Certificate2 certificate, X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()
            ?? throw new ArgumentException($"{certificate.Subject} has no ECDSA or RSA private key", nameof(certificate));
        Write(certificate, key, ca);
    }

    /// <summary>
    /// Writes a node's certificate, its private key <paramref name="key"/> (0600 from the moment it is
    /// created) and the CA's certificate — after enrolment, and again at each renewal.
    /// </summary>
    /// <exception cref="ArgumentException">the key does not belong to the certificate.</exception>
    public void Write(X509Certificate2 certificate, AsymmetricAlgorithm key, X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(ca);
        if (!key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            throw new ArgumentException($"the key does not belong to {certificate.Subject}", nameof(key));
        }

        PrivateFiles.CreateFolder(Path);
        PrivateFiles.Replace(CaPath, ca.ExportCertificatePem(), PrivateFiles.PublicFile);
        PrivateFiles.Replace(KeyPath, key.ExportPkcs8PrivateKeyPem(), PrivateFiles.OwnerOnlyFile);
        PrivateFiles.Replace(CertificatePath, certificate.ExportCertificatePem(), PrivateFiles.PublicFile);
    }

    /// <summary>
    /// Reads the identity: the certificate with its key (which must be open to its owner only and belong to
    /// it) and the CA certificate (which must have issued it). An expired certificate is still read: the
    /// caller sees <see cref="NodeIdentity.NotAfter"/> and enrols again.
    /// </summary>
    /// <exception cref="InvalidInputException">a file is missing or malformed, the key is open to others or does not belong to the certificate, or the CA did not issue it — naming the file.</exception>
    public NodeIdentity Read()
    {
        const string enrol = "missing; this node has not enrolled (it needs a join token: edgetrain token create on the seed)";
        var certificateText = PrivateFiles.ReadText(CertificatePath, enrol);
        var keyText = PrivateFiles.ReadText(KeyPath, enrol);
        PrivateFiles.RequireOwnerOnly(KeyPath, "the node key");
        var ca = CertificateAuthority.ReadCertificate(CaPath, enrol);
        try
        {
            using var loaded = Load(certificateText, keyText);
            RequireIssuedBy(loaded, ca);

            // through PKCS#12: a key imported from PEM is ephemeral, which SslStream cannot use on Windows
            var pfx = loaded.Export(X509ContentType.Pkcs12);
            try
            {
                return new NodeIdentity(X509CertificateLoader.LoadPkcs12(pfx, password: null), ca);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pfx);
            }
        }
        catch
        {
            ca.Dispose();
            throw;
        }
    }

    /// <summary>The node's copy of the revocation list (none yet: empty), every entry checked against <paramref name="ca"/>.</summary>
    /// <exception cref="InvalidInputException">the file is malformed or holds an entry that CA did not sign.</exception>
    public RevocationList ReadRevocations(X509Certificate2 ca) => RevocationList.Load(RevokedPath, ca);

    /// <summary>Replaces the node's copy of the revocation list.</summary>
    public void WriteRevocations(RevocationList revocations)
    {
        ArgumentNullException.ThrowIfNull(revocations);
        PrivateFiles.CreateFolder(Path);
        revocations.Save(RevokedPath);
    }

    private X509Certificate2 Load(string certificateText, string keyText)
    {
        try
        {
            return X509Certificate2.CreateFromPem(certificateText, keyText);
        }
        catch (CryptographicException e)
        {
            // tell a certificate that does not parse from a key that does not parse or does not fit
            try
            {
                using var alone = X509Certificate2.CreateFromPem(certificateText);
            }
            catch (CryptographicException inner)
            {
                throw new InvalidInputException(CertificatePath, "", $"expected a certificate in PEM (-----BEGIN CERTIFICATE-----): {inner.Message}", inner);
            }

            throw new InvalidInputException(KeyPath, "", $"expected the private key of {CertificateFile} in PEM (-----BEGIN PRIVATE KEY-----): {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidInputException(KeyPath, "", $"expected the private key of {CertificateFile} in PEM (-----BEGIN PRIVATE KEY-----): {e.Message}", e);
        }
    }

    private void RequireIssuedBy(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        if (!chain.Build(certificate))
        {
            var why = string.Join("; ", chain.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation.Trim()}"));
            throw new InvalidInputException(CertificatePath, "issuer", $"{certificate.Subject} was not issued by the CA in {CaPath} ({ca.Subject}): {why}");
        }
    }
}
