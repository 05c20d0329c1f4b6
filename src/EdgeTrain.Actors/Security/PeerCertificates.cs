using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Actors.Security;

/// <summary>
/// What this node saw of one peer's certificate in a TLS handshake.
/// </summary>
/// <param name="Peer">
/// What Akka's transport names the peer: for an outbound connection the transport address dialled
/// (<c>ssl.tcp://edgetrain@HOST:PORT</c>, the peer's advertised address), for an inbound one the
/// socket's remote end point (<c>[::ffff:10.0.0.7]:51234</c>, an ephemeral port); for the membership
/// guard's own probe, <c>HOST:PORT</c>.
/// </param>
/// <param name="Listener">
/// <c>HOST:PORT</c> of the listener that presented the certificate when this node dialled it (outbound
/// connections and probes): the certificate of whoever listens at that advertised address. Null for
/// inbound connections, whose port says nothing about the peer's address.
/// </param>
/// <param name="Check">The verdict of <see cref="PeerCertificatePolicy"/>.</param>
/// <param name="NotAfter">The end of the certificate's validity (null without a certificate).</param>
/// <param name="SeenAtUtc">When.</param>
public sealed record PeerCertificateSeen(string Peer, string? Listener, PeerCheck Check, DateTimeOffset? NotAfter, DateTimeOffset SeenAtUtc);

/// <summary>
/// The node's TLS peer checks and what they saw: the <see cref="Validator"/> Akka's DotNetty transport
/// calls for every handshake (inbound and outbound), the revocation list it checks against, the
/// certificates seen at members' advertised addresses (for the membership guard's binding), and a log
/// of each refusal once per peer and reason. Thread-safe: the transport calls it on its I/O threads.
/// </summary>
/// <remarks>
/// Akka.NET 1.5.73 runs <c>CoordinatedShutdown</c> (reason <c>TlsHandshakeFailureReason</c>, exit code 79)
/// on the dialling node whenever an outbound handshake fails, and it dials a member it has just
/// quarantined to tell it so. So an outbound connection to a listener whose certificate is from the
/// cluster's CA and names a node, but is revoked or expired, is accepted, logged and reported
/// (<see cref="PeerCertificateSeen"/> on the event stream): the membership guard downs and quarantines a
/// member holding it, and Akka drops whatever that quarantined incarnation sends. Refusing would take
/// this node down instead (seen in ClusterTlsSpec: the seed that downed a revoked node left the cluster).
/// Every other refusal stands; outbound ones (a seed with another CA's certificate, an impostor
/// listening at a member's address) stop this node, as Akka intends. Inbound, every refusal stands.
/// </remarks>
public sealed class PeerCertificates
{
    // refusals logged, by peer and reason; an attacker's reconnects must not grow it without bound
    private const int LoggedRefusalsKept = 10_000;

    private readonly X509Certificate2 authority;
    private readonly TimeProvider time;
    private readonly ConcurrentDictionary<string, PeerCertificateSeen> listeners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Peer, RefusalReason Reason), byte> logged = new();
    private volatile RevocationList revoked;
    private volatile EventStream? events;

    /// <summary>Creates the checks against <paramref name="authority"/> and <paramref name="revoked"/> with the clock <paramref name="time"/>.</summary>
    public PeerCertificates(X509Certificate2 authority, RevocationList revoked, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(revoked);
        ArgumentNullException.ThrowIfNull(time);
        this.authority = authority;
        this.revoked = revoked;
        this.time = time;
    }

    /// <summary>The callback for <see cref="DotNettySslSetup"/>.</summary>
    public CertificateValidationCallback Validator => Validate;

    /// <summary>The revocation list every new connection is checked against.</summary>
    public RevocationList Revoked
    {
        get => revoked;
        set => revoked = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The newest certificate seen at each advertised address (<c>HOST:PORT</c>) this node dialled or probed.</summary>
    public IReadOnlyDictionary<string, PeerCertificateSeen> Listeners => listeners;

    /// <summary>The cluster CA's certificate: the one root peers must chain to, and the signer of every revocation.</summary>
    public X509Certificate2 Authority => authority;

    /// <summary>The clock the checks use.</summary>
    public TimeProvider Time => time;

    /// <summary>Publishes what the checks see on <paramref name="system"/>'s event stream from now on.</summary>
    public void Attach(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        events = system.EventStream;
    }

    /// <summary>Forgets the certificate seen at <paramref name="listener"/> (its member was removed; a new incarnation may hold another).</summary>
    public void Forget(string listener) => listeners.TryRemove(listener, out _);

    /// <summary>
    /// Checks a certificate a peer presented and records it: <paramref name="listener"/> (<c>HOST:PORT</c>)
    /// is the address this node dialled, null for an inbound connection. A refusal is logged once per
    /// peer and reason on <paramref name="log"/>. Returns the verdict.
    /// </summary>
    public PeerCheck Observe(string peer, string? listener, X509Certificate2? certificate, X509Certificate2Collection? intermediates, ILoggingAdapter log)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(log);
        var now = time.GetUtcNow();
        var check = PeerCertificatePolicy.Check(certificate, authority, revoked, now, intermediates);
        var seen = new PeerCertificateSeen(peer, listener, check, certificate?.NotAfter.ToUniversalTime(), now);
        if (listener is not null)
        {
            listeners[listener] = seen;
        }

        if (!check.Accepted)
        {
            if (logged.Count >= LoggedRefusalsKept)
            {
                logged.Clear();
            }

            // inbound peers reconnect from new ephemeral ports: one line per host, reason and certificate
            var key = (listener ?? (HostOf(peer) + "/" + check.Serial), check.Reason);
            if (logged.TryAdd(key, 0))
            {
                var outboundKept = listener is not null && check.Reason is RefusalReason.Revoked or RefusalReason.Expired;
                log.Warning(
                    outboundKept
                        ? "TLS: outbound connection to {2}: {3} ({4}); completed all the same (refusing it would stop this node), the membership guard downs and quarantines a member holding it"
                        : "TLS: refused {0} connection {1} {2}: {3} ({4})",
                    listener is null ? "inbound" : "outbound", listener is null ? "from" : "to", peer, Describe(check.Reason), check.Detail);
            }
        }

        events?.Publish(seen);
        return check;
    }

    /// <summary>The reason in a few words, as the refusal log writes it.</summary>
    public static string Describe(RefusalReason reason) => reason switch
    {
        RefusalReason.None => "accepted",
        RefusalReason.NoCertificate => "no certificate",
        RefusalReason.OtherAuthority => "not from the cluster's CA",
        RefusalReason.Expired => "certificate expired",
        RefusalReason.NotYetValid => "certificate not yet valid",
        RefusalReason.WrongUsage => "certificate not for TLS clients and servers",
        RefusalReason.Revoked => "certificate revoked",
        RefusalReason.NoNodeId => "certificate names no node",
        RefusalReason.NoRoles => "certificate grants no roles",
        _ => reason.ToString(),
    };

    /// <summary><c>HOST:PORT</c> of an outbound peer as Akka's transport names it (<c>ssl.tcp://system@HOST:PORT</c>); null for an inbound one.</summary>
    public static string? ListenerOf(string remotePeer)
    {
        ArgumentNullException.ThrowIfNull(remotePeer);
        var scheme = remotePeer.IndexOf("://", StringComparison.Ordinal);
        var at = remotePeer.IndexOf('@', StringComparison.Ordinal);
        return scheme < 0 || at < scheme ? null : remotePeer[(at + 1)..].TrimEnd('/');
    }

    private bool Validate(X509Certificate2? certificate, X509Chain? chain, string remotePeer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        var listener = ListenerOf(remotePeer);
        X509Certificate2Collection? intermediates = chain is null ? null : [.. chain.ChainElements.Skip(1).Select(e => e.Certificate)];
        var check = Observe(remotePeer, listener, certificate, intermediates, log);
        if (check.Accepted)
        {
            return true;
        }

        // see the remarks: refusing an outbound handshake shuts this node down; a member whose
        // certificate was revoked or expired is downed and quarantined by the guard instead
        return listener is not null && check.Reason is RefusalReason.Revoked or RefusalReason.Expired;
    }

    private static string HostOf(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return colon > 0 ? endpoint[..colon] : endpoint;
    }
}
