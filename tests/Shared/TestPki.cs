using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Tests;

/// <summary>
/// A small certificate authority for tests (ECDSA P-256, made with <see cref="CertificateRequest"/>):
/// node certificates name their node (subject CN and SAN URI <c>urn:edgetrain:node:{id}</c>), grant
/// roles in <see cref="NodeCertificates.RolesExtension"/>, and carry the EKUs serverAuth and
/// clientAuth, as the cluster's CA issues them. <see cref="WriteIdentity"/> lays a node's identity
/// folder out as a node keeps it (<c>node.crt</c>, <c>node.key</c> with mode 0600, <c>ca.crt</c>).
/// Not a product CA: no issuance policy, no tokens, no persistence.
/// </summary>
internal sealed class TestPki : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private long nextSerial = 0x1000;

    public TestPki(string name = "EdgeTrain test CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        Authority = request.CreateSelfSigned(now.AddDays(-60), now.AddYears(5));
    }

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>
    /// A node certificate for <paramref name="nodeId"/> granting <paramref name="roles"/>, with its
    /// private key. <paramref name="notBefore"/>/<paramref name="notAfter"/> default to a day ago and
    /// a year ahead; <paramref name="withNodeId"/> false leaves the SAN URI and CN out (a certificate
    /// of the CA that names no node); <paramref name="withRoles"/> false leaves the roles extension out.
    /// </summary>
    public X509Certificate2 Issue(
        string nodeId,
        IEnumerable<string> roles,
        DateTimeOffset? notBefore = null,
        DateTimeOffset? notAfter = null,
        bool withNodeId = true,
        bool withRoles = true,
        bool withClientAuth = true)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(withNodeId ? $"CN={nodeId}, O=EdgeTrain" : "O=EdgeTrain", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(withClientAuth ? [ServerAuth, ClientAuth] : [ServerAuth], false));
        if (withNodeId)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddUri(new Uri(NodeCertificates.NodeUriPrefix + nodeId));
            request.CertificateExtensions.Add(san.Build());
        }

        if (withRoles)
        {
            request.CertificateExtensions.Add(NodeCertificates.RolesExtension(roles));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, true, false));
        var now = DateTimeOffset.UtcNow;
        var serial = BitConverter.GetBytes(Interlocked.Increment(ref nextSerial));
        Array.Reverse(serial);
        using var issued = request.Create(Authority, notBefore ?? now.AddDays(-1), notAfter ?? now.AddYears(1), serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>An expired node certificate (valid from 30 to 10 days ago).</summary>
    public X509Certificate2 IssueExpired(string nodeId, IEnumerable<string> roles) =>
        Issue(nodeId, roles, DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-10));

    /// <summary>
    /// Writes <paramref name="certificate"/> as a node's identity folder: <c>node.crt</c> (PEM),
    /// <c>node.key</c> (PEM PKCS#8, mode 0600) and <c>ca.crt</c> (PEM, this CA's unless
    /// <paramref name="trusted"/> names another); returns the folder.
    /// </summary>
    public string WriteIdentity(string folder, X509Certificate2 certificate, X509Certificate2? trusted = null)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "node.crt"), certificate.ExportCertificatePem());
        var keyPath = Path.Combine(folder, "node.key");
        File.WriteAllText(keyPath, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the certificate has no ECDSA private key");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(folder, "ca.crt"), (trusted ?? Authority).ExportCertificatePem());
        return folder;
    }

    public void Dispose() => Authority.Dispose();
}
