using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;

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
