using System.Security.Cryptography.X509Certificates;

namespace EdgeTrain.Core.Security;

/// <summary>
/// A node's identity as <see cref="IdentityFolder.Read"/> gives it: its certificate with the private key
/// (loaded through PKCS#12, so SslStream can use the key on Linux, Windows and macOS alike), the cluster
/// CA's certificate it was issued by, and what the certificate says: node id and roles.
/// </summary>
public sealed class NodeIdentity : IDisposable
{
    internal NodeIdentity(X509Certificate2 certificate, X509Certificate2 ca)
    {
        Certificate = certificate;
        Ca = ca;
        NodeId = NodeCertificates.NodeIdOf(certificate);
        Roles = NodeCertificates.RolesOf(certificate);
    }

    /// <summary>
    /// The identity of <paramref name="certificate"/> (with its private key, as <see cref="CertificateAuthority.IssueSelf"/>
    /// gives it) issued by <paramref name="ca"/>, kept in memory only: a client's short-lived certificate. Both are copied.
    /// </summary>
    /// <exception cref="ArgumentException">the certificate has no private key.</exception>
    public static NodeIdentity InMemory(X509Certificate2 certificate, X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(ca);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"{certificate.Subject} has no private key", nameof(certificate));
        }

        // through PKCS#12, as IdentityFolder.Read does: SslStream cannot use an ephemeral key on Windows
        var pfx = certificate.Export(X509ContentType.Pkcs12);
        try
        {
            return new NodeIdentity(X509CertificateLoader.LoadPkcs12(pfx, password: null), X509CertificateLoader.LoadCertificate(ca.RawData));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(pfx);
        }
    }

    /// <summary>The node's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The cluster CA's certificate: the one root a peer's certificate must chain to.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The node id the certificate names.</summary>
    public string NodeId { get; }

    /// <summary>The roles the certificate grants.</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>When the certificate starts being valid (UTC).</summary>
    public DateTimeOffset NotBefore => Start(Certificate);

    /// <summary>When the certificate expires (UTC).</summary>
    public DateTimeOffset NotAfter => End(Certificate);

    /// <summary>True when less than a third of the certificate's validity is left at <paramref name="now"/> (or it has expired).</summary>
    public bool NeedsRenewal(DateTimeOffset now) => NeedsRenewal(Certificate, now);

    /// <summary>True when less than a third of <paramref name="certificate"/>'s validity is left at <paramref name="now"/> (or it has expired).</summary>
    public static bool NeedsRenewal(X509Certificate2 certificate, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var start = Start(certificate);
        var end = End(certificate);
        return (end - now) * 3 < end - start;
    }

    /// <summary>Releases both certificates (and the key).</summary>
    public void Dispose()
    {
        Certificate.Dispose();
        Ca.Dispose();
    }

    internal static DateTimeOffset Start(X509Certificate2 certificate) => new(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);

    internal static DateTimeOffset End(X509Certificate2 certificate) => new(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
}
