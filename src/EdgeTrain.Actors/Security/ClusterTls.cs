using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Actors.Security;

/// <summary>
/// Akka.Remote over mutual TLS: the configuration (<c>enable-ssl</c>, the <c>akka.ssl.tcp</c> scheme)
/// and the <see cref="DotNettySslSetup"/> that carries the node's certificate, requires a certificate
/// from every client, leaves host names unchecked (a node certificate names a node, not a host) and
/// checks every peer with <see cref="PeerCertificates.Validator"/>.
/// </summary>
public static class ClusterTls
{
    /// <summary>The protocol of cluster addresses over TLS.</summary>
    public const string TlsProtocol = "akka.ssl.tcp";

    /// <summary>The protocol of cluster addresses over plain TCP.</summary>
    public const string PlainProtocol = "akka.tcp";

    /// <summary>The protocol of addresses in <paramref name="mode"/>.</summary>
    public static string Protocol(SecurityMode mode) => mode == SecurityMode.Tls ? TlsProtocol : PlainProtocol;

    /// <summary>The remoting configuration of <paramref name="mode"/> (TLS on or off).</summary>
    public static Config Remoting(SecurityMode mode) =>
        ConfigurationFactory.ParseString($"akka.remote.dot-netty.tcp.enable-ssl = {(mode == SecurityMode.Tls ? "on" : "off")}");

    /// <summary>The message that tells an operator how to get an identity.</summary>
    public static string HowToGetOne =>
        "enrol this node with a one-time join token from the cluster's operators (edgetrain token create on the seed) to get one, " +
        "or run with --insecure (debugging only: no TLS, no certificate checks)";

    /// <summary>
    /// Reads the node's identity from <paramref name="folder"/> (<see cref="IdentityFolder.Read"/>) and
    /// refuses, before the node starts, what its peers would refuse: a certificate they would not accept
    /// (<see cref="PeerCertificatePolicy"/>: expired, not for TLS clients, no node id or roles), or
    /// <paramref name="claimed"/> roles it does not grant (null: not checked).
    /// </summary>
    /// <exception cref="InvalidInputException">no identity there (saying how to get one), an unusable one, or a role it does not grant.</exception>
    public static NodeIdentity LoadIdentity(IdentityFolder folder, IReadOnlyCollection<string>? claimed)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var missing = new[] { folder.CertificatePath, folder.KeyPath, folder.CaPath }.Where(p => !File.Exists(p)).Select(Path.GetFileName).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidInputException(folder.Path, "", $"no node identity here ({string.Join(", ", missing)} missing); {HowToGetOne}");
        }

        var identity = folder.Read();
        try
        {
            var check = PeerCertificatePolicy.Check(identity.Certificate, identity.Ca, RevocationList.Empty, DateTimeOffset.UtcNow);
            if (!check.Accepted)
            {
                throw new InvalidInputException(folder.CertificatePath, "", $"this node's own certificate would be refused by its peers: {check.Detail}");
            }

            var ungranted = claimed is null ? [] : NodeCertificates.Ungranted(identity.Certificate, claimed);
            if (ungranted.Count > 0)
            {
                throw new InvalidInputException(
                    folder.CertificatePath,
                    "roles",
                    $"this node claims {string.Join(", ", ungranted)}, which its certificate (node {identity.NodeId}) does not grant; it grants {(identity.Roles.Count == 0 ? "none" : string.Join(", ", identity.Roles))}. Drop the role or enrol for a certificate that grants it");
            }

            return identity;
        }
        catch
        {
            identity.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads the cluster's CA from <paramref name="folder"/> (<see cref="CertificateAuthority.Load"/>) on the
    /// seed that revokes, and refuses a CA that is not the one <paramref name="identity"/> trusts.
    /// </summary>
    /// <exception cref="InvalidInputException">no CA there, an unusable one, or another CA than the node's.</exception>
    public static CertificateAuthority LoadAuthority(string folder, NodeIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var ca = CertificateAuthority.Load(folder);
        if (!ca.Certificate.RawData.AsSpan().SequenceEqual(identity.Ca.RawData))
        {
            var subject = ca.Certificate.Subject;
            ca.Dispose();
            throw new InvalidInputException(folder, CertificateAuthority.CertificateFile, $"this CA ({subject}) is not the one this node's identity trusts ({identity.Ca.Subject}); revocations it signs would be refused by every node");
        }

        return ca;
    }

    /// <summary>The TLS setup of a node holding <paramref name="identity"/>, checking peers with <paramref name="peers"/>.</summary>
    public static DotNettySslSetup Setup(NodeIdentity identity, PeerCertificates peers)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(peers);
        return new DotNettySslSetup(identity.Certificate, suppressValidation: false, requireMutualAuthentication: true, validateCertificateHostname: false, peers.Validator);
    }

    /// <summary>The ActorSystem setup of <paramref name="config"/>, over TLS when <paramref name="tls"/> is given.</summary>
    public static ActorSystemSetup SystemSetup(Config config, DotNettySslSetup? tls)
    {
        ArgumentNullException.ThrowIfNull(config);
        var bootstrap = BootstrapSetup.Create().WithConfig(config);
        return tls is null ? ActorSystemSetup.Create(bootstrap) : ActorSystemSetup.Create(bootstrap, tls);
    }
}
