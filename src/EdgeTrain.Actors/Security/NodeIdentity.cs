using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Actors.Security;

/// <summary>
/// A node's identity as it keeps it in its identity folder: its certificate from the cluster's CA
/// (<c>node.crt</c>, PEM) with its private key (<c>node.key</c>, PEM PKCS#8, readable by its owner
/// only) and the CA's certificate (<c>ca.crt</c>, PEM), the only root its peers are checked against.
/// </summary>
public sealed class NodeIdentity : IDisposable
{
    /// <summary>The node certificate's file name.</summary>
    public const string CertificateFile = "node.crt";

    /// <summary>The private key's file name.</summary>
    public const string KeyFile = "node.key";

    /// <summary>The CA certificate's file name.</summary>
    public const string AuthorityFile = "ca.crt";

    private NodeIdentity(X509Certificate2 certificate, X509Certificate2 authority, string nodeId, IReadOnlyList<string> roles, string directory)
    {
        Certificate = certificate;
        Authority = authority;
        NodeId = nodeId;
        Roles = roles;
        Directory = directory;
    }

    /// <summary>The node's certificate with its private key (usable by <see cref="System.Net.Security.SslStream"/>).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The cluster CA's certificate.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The node id the certificate names.</summary>
    public string NodeId { get; }

    /// <summary>The cluster roles the certificate grants.</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>The folder the identity was read from.</summary>
    public string Directory { get; }

    /// <summary>The message that tells an operator how to get an identity.</summary>
    public static string HowToGetOne =>
        "enrol this node with a one-time token from the cluster's operators to get one (node.crt, node.key, ca.crt), " +
        "or run with --insecure (debugging only: no TLS, no certificate checks)";

    /// <summary>Reads the identity in <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidInputException">
    /// a file is missing, unreadable or malformed, the key is readable by others than its owner, the
    /// key does not belong to the certificate, or the certificate names no node, grants no roles or
    /// is not from the CA in <c>ca.crt</c>; the message says which and how to get an identity.
    /// </exception>
    public static NodeIdentity Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var certPath = Path.Combine(directory, CertificateFile);
        var keyPath = Path.Combine(directory, KeyFile);
        var caPath = Path.Combine(directory, AuthorityFile);
        var missing = new[] { certPath, keyPath, caPath }.Where(p => !File.Exists(p)).Select(Path.GetFileName).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidInputException(directory, "", $"no node identity here ({string.Join(", ", missing)} missing); {HowToGetOne}");
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(keyPath);
            const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & others) != 0)
            {
                throw new InvalidInputException(keyPath, "", $"the private key is readable by others than its owner (mode {Convert.ToString((int)mode, 8)}); chmod 600 it");
            }
        }

        X509Certificate2 authority;
        try
        {
            authority = X509Certificate2.CreateFromPem(File.ReadAllText(caPath));
        }
        catch (CryptographicException e)
        {
            throw new InvalidInputException(caPath, "", $"not a PEM certificate: {e.Message}", e);
        }

        X509Certificate2 certificate;
        try
        {
            // PEM keys are ephemeral; SslStream on some platforms needs a key it can find again, so
            // the pair makes a round trip through PKCS#12
            using var fromPem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            certificate = X509CertificateLoader.LoadPkcs12(fromPem.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
        }
        catch (CryptographicException e)
        {
            authority.Dispose();
            throw new InvalidInputException(directory, "", $"{CertificateFile} and {KeyFile} do not make a certificate with its key: {e.Message}", e);
        }

        var problem = PeerCertificatePolicy.Check(certificate, authority, RevocationList.Empty, DateTimeOffset.UtcNow);
        if (!problem.Accepted)
        {
            certificate.Dispose();
            authority.Dispose();
            throw new InvalidInputException(certPath, "", $"this node's own certificate would be refused by its peers: {problem.Detail}");
        }

        return new NodeIdentity(certificate, authority, problem.NodeId!, problem.Roles, Path.GetFullPath(directory));
    }

    /// <summary>Refuses <paramref name="claimed"/> roles the certificate does not grant.</summary>
    /// <exception cref="InvalidInputException">naming the roles not granted and the roles granted.</exception>
    public void CheckClaims(IEnumerable<string> claimed)
    {
        var ungranted = NodeCertificates.Ungranted(Certificate, claimed);
        if (ungranted.Count > 0)
        {
            throw new InvalidInputException(
                Path.Combine(Directory, CertificateFile),
                "roles",
                $"this node claims {string.Join(", ", ungranted)}, which its certificate (node {NodeId}) does not grant; it grants {(Roles.Count == 0 ? "none" : string.Join(", ", Roles))}. Drop the role or enrol for a certificate that grants it");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate.Dispose();
        Authority.Dispose();
    }
}
