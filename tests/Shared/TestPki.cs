using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Tests;

/// <summary>
/// The cluster's own CA (<see cref="CertificateAuthority"/>) in a temporary folder, for tests: it issues
/// node certificates as the product does (<see cref="Issue"/>), expired or not yet valid ones through a
/// clock moved to the past or future, revokes (<see cref="CertificateAuthority.Revoke(X509Certificate2, string)"/>
/// on <see cref="Ca"/>), and lays a node's identity folder out (<see cref="IdentityFolder.Write(X509Certificate2, X509Certificate2)"/>).
/// <see cref="IssueMalformed"/> signs, with the same CA key, certificates the CA never issues (no node id,
/// no roles, not for TLS clients), for the checks that must refuse them.
/// </summary>
internal sealed class TestPki : IDisposable
{
    private static readonly TimeSpan Year = TimeSpan.FromDays(365);
    private readonly TempFolder folder = new();

    public TestPki(string name = "EdgeTrain test CA")
    {
        // made 60 days ago, so that it can issue certificates that have expired since
        using (CertificateAuthority.Init(folder.Path, name, new FixedClock(DateTimeOffset.UtcNow.AddDays(-60))))
        {
        }

        Ca = CertificateAuthority.Load(folder.Path);
    }

    /// <summary>The CA, with its key, at the real clock.</summary>
    public CertificateAuthority Ca { get; }

    /// <summary>The CA's certificate (without its key).</summary>
    public X509Certificate2 Authority => Ca.Certificate;

    /// <summary>The CA's folder (<c>ca.crt</c>, <c>ca.key</c>, <c>revoked</c>), as <c>edgetrain seed --ca</c> reads it.</summary>
    public string Folder => folder.Path;

    /// <summary>A node certificate for <paramref name="nodeId"/> granting <paramref name="roles"/>, with its private key, valid for a year.</summary>
    public X509Certificate2 Issue(string nodeId, IEnumerable<string> roles) => Ca.IssueSelf(nodeId, roles, Year);

    /// <summary>A node certificate issued at <paramref name="issuedAt"/> and valid for <paramref name="validity"/> from then.</summary>
    public X509Certificate2 IssueAt(DateTimeOffset issuedAt, string nodeId, IEnumerable<string> roles, TimeSpan validity)
    {
        using var then = CertificateAuthority.Load(folder.Path, new FixedClock(issuedAt));
        return then.IssueSelf(nodeId, roles, validity);
    }

    /// <summary>An expired node certificate (issued 30 days ago, expired 10 days ago).</summary>
    public X509Certificate2 IssueExpired(string nodeId, IEnumerable<string> roles) =>
        IssueAt(DateTimeOffset.UtcNow.AddDays(-30), nodeId, roles, TimeSpan.FromDays(20));

    /// <summary>
    /// A certificate signed with this CA's key that the CA never issues: without the node id (no SAN URI,
    /// no CN) when <paramref name="withNodeId"/> is false, without the roles extension when
    /// <paramref name="withRoles"/> is false, for TLS servers only when <paramref name="withClientAuth"/> is false.
    /// </summary>
    public X509Certificate2 IssueMalformed(string nodeId, IEnumerable<string> roles, bool withNodeId = true, bool withRoles = true, bool withClientAuth = true)
    {
        using var caKey = ECDsa.Create();
        caKey.ImportFromPem(File.ReadAllText(Ca.KeyPath));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(withNodeId ? $"CN={nodeId}" : "O=EdgeTrain", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(withClientAuth ? [new("1.3.6.1.5.5.7.3.1"), new("1.3.6.1.5.5.7.3.2")] : [new("1.3.6.1.5.5.7.3.1")], false));
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
        using var issued = request.Create(Authority.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddDays(-1), now.AddYears(1), RandomNumberGenerator.GetBytes(16));
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// Writes <paramref name="certificate"/> as a node's identity folder (<see cref="IdentityFolder"/>:
    /// <c>node.crt</c>, <c>node.key</c> 0600, <c>ca.crt</c> — this CA's unless <paramref name="trusted"/>
    /// names another); returns the folder.
    /// </summary>
    public string WriteIdentity(string path, X509Certificate2 certificate, X509Certificate2? trusted = null)
    {
        new IdentityFolder(path).Write(certificate, trusted ?? Authority);
        return path;
    }

    /// <summary>
    /// Lays out the identity of a node named <paramref name="nodeId"/> granting <paramref name="roles"/> in
    /// <paramref name="dataDirectory"/>'s identity folder, unless one is there (a restarted node keeps its own).
    /// </summary>
    public void ProvisionIdentity(string dataDirectory, string nodeId, IEnumerable<string> roles)
    {
        var identity = IdentityFolder.InDataDirectory(dataDirectory);
        if (!identity.Exists)
        {
            using var certificate = Issue(nodeId, roles);
            WriteIdentity(identity.Path, certificate);
        }
    }

    public void Dispose()
    {
        Ca.Dispose();
        folder.Dispose();
    }

    /// <summary>A clock that stands still at <paramref name="now"/>.</summary>
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
