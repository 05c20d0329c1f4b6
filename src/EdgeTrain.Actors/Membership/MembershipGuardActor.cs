using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Akka.Remote;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Actors.Security;
using EdgeTrain.Core;
using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Security;
using static EdgeTrain.Actors.Membership.GuardProtocol;

namespace EdgeTrain.Actors.Membership;

/// <summary>
/// Admits to the cluster only what certificates grant. Every node over TLS runs one. It binds each
/// member to the certificate that listens at the member's advertised address — the server certificate
/// this node's transport saw dialling it, or its own TLS probe there (<see cref="CertificateProbe"/>) —
/// and downs (and, if it stays, quarantines) a member whose certificate is refused, revoked or expired, does not
/// grant every role the member claims, or cannot be learned within <c>edgetrain.security.bind-timeout</c>
/// (decisions: <see cref="MembershipGuard"/>). It keeps the cluster's revocation list: a grow-only set of
/// CA-signed entries replicated with Akka.DistributedData, each checked against the CA before it counts,
/// merged into the node's copy in its identity folder and into the TLS checks of every new connection.
/// On the node that holds the CA (<c>edgetrain seed --ca</c>) it carries out <see cref="RevokeNode"/>.
/// Only a node that is up itself downs others; downing is idempotent, so whichever guard decides first downs.
/// </summary>
public sealed class MembershipGuardActor : ReceiveActor, IWithTimers
{
    /// <summary>The key of the replicated revocation list: a grow-only set of CA-signed entries (<see cref="Revocation.ToLine"/>).</summary>
    public static readonly GSetKey<string> RevocationsKey = new("edgetrain-revocations");

    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Cluster cluster = Cluster.Get(Context.System);
    private readonly IActorRef replicator = DistributedData.Get(Context.System).Replicator;
    private readonly SecuritySettings settings;
    private readonly PeerCertificates peers;
    private readonly X509Certificate2 certificate;
    private readonly IdentityFolder identity;
    private readonly CertificateAuthority? ca;
    private readonly HashSet<string> probing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> certified = new(StringComparer.Ordinal);
    private RevocationList revoked;
    private MembershipGuard guard;

    /// <summary>
    /// Creates the guard of a node that holds <paramref name="certificate"/> and checks peers with
    /// <paramref name="peers"/>; <paramref name="ca"/> is the cluster's CA on the seed that revokes, else null.
    /// </summary>
    public MembershipGuardActor(SecuritySettings settings, PeerCertificates peers, X509Certificate2 certificate, CertificateAuthority? ca)
    {
        this.settings = settings;
        this.peers = peers;
        this.certificate = certificate;
        this.ca = ca;
        identity = settings.Identity;
        revoked = peers.Revoked;
        guard = MembershipGuard.Create(cluster.SelfAddress.ToString(), revoked);
        foreach (var seen in peers.Listeners.Values)
        {
            guard = guard.Seen(seen);
        }

        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var member in state.Members)
            {
                Track(member);
            }

            Act();
        });
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            Track(e.Member);
            Act();
        });
        Receive<PeerCertificateSeen>(seen =>
        {
            guard = guard.Seen(seen);
            Act();
        });
        Receive<Recheck>(_ => Act());
        Receive<CertifiedMembersWanted>(_ =>
        {
            foreach (var (address, nodeId) in certified)
            {
                Context.System.EventStream.Publish(new MemberCertified(address, nodeId));
            }
        });
        Receive<Probed>(OnProbed);
        Receive<QuarantineLater>(Quarantine);
        Receive<Changed>(changed => Learn(Checked(changed.Get(RevocationsKey).Elements)));
        Receive<RevokeNode>(Revoke);
        Receive<GetRevocations>(_ => Sender.Tell(new RevocationListReply([.. revoked.Entries.Select(RevokedCertificate.Of)])));
        Receive<AuditProtocol.AuditRecorded>(_ => { });
        Receive<AuditProtocol.AuditRefused>(r => log.Warning("revocation: the coordinator did not audit it: {0}", r.Reason));
        Receive<UpdateSuccess>(_ => { });
        Receive<UpdateTimeout>(_ => log.Info("revocation list: not every node took the update within {0}; gossip brings it to the others", settings.RevocationWriteTimeout));
        Receive<IUpdateResponse>(r => log.Warning("revocation list: update failed: {0}", r));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the guard.</summary>
    public static Props Props(SecuritySettings settings, PeerCertificates peers, X509Certificate2 certificate, CertificateAuthority? ca) =>
        Akka.Actor.Props.Create(() => new MembershipGuardActor(settings, peers, certificate, ca));

    /// <inheritdoc />
    protected override void PreStart()
    {
        cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.IMemberEvent));
        Context.System.EventStream.Subscribe(Self, typeof(PeerCertificateSeen));
        Context.System.EventStream.Subscribe(Self, typeof(CertifiedMembersWanted));
        replicator.Tell(Dsl.Subscribe(RevocationsKey, Self));
        if (revoked.Count > 0)
        {
            // what this node knew before it joined goes to the others (a restarted node re-seeds the list)
            var known = revoked.Entries.Select(r => r.ToLine()).ToList();
            replicator.Tell(Dsl.Update(RevocationsKey, GSet<string>.Empty, WriteLocal.Instance, set => known.Aggregate(set, (s, r) => s.Add(r))));
        }

        Timers.StartPeriodicTimer(nameof(Recheck), Recheck.Instance, settings.RecheckInterval);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        cluster.Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }

    private void Track(Member member)
    {
        var address = member.Address.ToString();
        if (member.Status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up)
        {
            guard = guard.Joined(new GuardedMember(address, ListenerOf(member.Address), member.UniqueAddress.Uid, [.. member.Roles], peers.Time.GetUtcNow()));
        }
        else
        {
            // leaving, exiting, downed or removed: no longer judged; a new incarnation is bound anew
            if (guard.Members.TryGetValue(address, out var known) && known.Uid == member.UniqueAddress.Uid)
            {
                peers.Forget(known.Listener);
                guard = guard.Removed(address);
                certified.Remove(address);
            }
        }
    }

    private void Act()
    {
        Certify();
        // a node that is not up itself (joining, leaving, downed) leaves judging to the others
        if (cluster.SelfMember.Status != MemberStatus.Up)
        {
            return;
        }

        (guard, var decisions) = guard.Decide(peers.Time.GetUtcNow(), settings.BindTimeout);
        foreach (var decision in decisions)
        {
            switch (decision)
            {
                case ProbeMember probe when probing.Add(probe.Listener):
                    var (host, port) = SplitListener(probe.Listener);
                    var listener = probe.Listener;
                    CertificateProbe.ProbeAsync(host, port, certificate, settings.ProbeTimeout).PipeTo(
                        Self,
                        success: r => new Probed(listener, r.Certificate, r.Chain, r.Failure),
                        failure: e => new Probed(listener, null, null, e.Message));
                    break;
                case DownMember down:
                    Down(down);
                    break;
            }
        }
    }

    // every member newly bound to an accepted certificate, on the event stream: whose reputation it is
    private void Certify()
    {
        foreach (var address in guard.Members.Keys)
        {
            if (guard.CertificateOf(address) is { Accepted: true, NodeId: { } nodeId }
                && !(certified.TryGetValue(address, out var known) && known == nodeId))
            {
                certified[address] = nodeId;
                Context.System.EventStream.Publish(new MemberCertified(address, nodeId));
            }
        }
    }

    private void OnProbed(Probed probed)
    {
        probing.Remove(probed.Listener);
        if (probed.Certificate is null)
        {
            log.Debug("membership guard: probing {0}: {1}", probed.Listener, probed.Failure);
            return;
        }

        // logged once if refused, recorded, and published: it comes back here as PeerCertificateSeen
        peers.Observe(probed.Listener, probed.Listener, probed.Certificate, probed.Chain, log);
        probed.Certificate.Dispose();
        foreach (var element in probed.Chain ?? [])
        {
            element.Dispose();
        }
    }

    private void Down(DownMember down)
    {
        log.Warning("membership guard: downing {0}: {1}", down.Address, down.Reason);
        cluster.Down(Address.Parse(down.Address));
        // cut it off a little later: the gossip that tells it to shut down must reach it first
        Timers.StartSingleTimer("quarantine " + down.Address, new QuarantineLater(down.Address, down.Uid), settings.QuarantineAfter);
        Context.System.EventStream.Publish(new MemberRefused(down.Address, down.Reason));
    }

    private void Quarantine(QuarantineLater later)
    {
        var address = Address.Parse(later.Address);
        if (cluster.State.Members.Any(m => m.Address == address && m.UniqueAddress.Uid == later.Uid)
            && ((ExtendedActorSystem)Context.System).Provider is IRemoteActorRefProvider remoting)
        {
            log.Info("membership guard: {0} is still a member {1} after it was downed; quarantining it", later.Address, settings.QuarantineAfter);
            remoting.Quarantine(address, (int)later.Uid);
        }
    }

    // the replicated entries whose CA signature holds; any member can write to the set, so an entry
    // that is malformed or signed by anyone but the CA is logged and ignored
    private RevocationList Checked(IEnumerable<string> lines)
    {
        var list = RevocationList.Empty;
        foreach (var line in lines)
        {
            try
            {
                list = list.Merge(RevocationList.Parse(line, peers.Authority, "replicated revocation list"));
            }
            catch (InvalidInputException e)
            {
                log.Warning("revocation list: ignored a replicated entry: {0}", e.Message);
            }
        }

        return list;
    }

    private void Learn(RevocationList revocations)
    {
        var merged = revoked.Merge(revocations);
        if (ReferenceEquals(merged, revoked))
        {
            return;
        }

        foreach (var added in merged.Entries.Where(r => !ReferenceEquals(revoked.Find(r.Serial), r)))
        {
            log.Warning("revocation list: {0}", added);
        }

        revoked = merged;
        peers.Revoked = merged;
        guard = guard.WithRevoked(merged);
        try
        {
            identity.WriteRevocations(merged);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error(e, "revocation list: could not write {0}; this node checks the revocations it knows, but forgets them on restart until the cluster tells it again", identity.RevokedPath);
        }

        Act();
    }

    private void Revoke(RevokeNode revoke)
    {
        var target = guard.Resolve(revoke.Target);
        var refusal = ca is null
            ? "this node holds no CA; revoke on the seed started with the cluster's CA (edgetrain seed --ca DIR)"
            : string.IsNullOrWhiteSpace(revoke.Reason) || string.IsNullOrWhiteSpace(revoke.By)
                ? "a revocation needs a reason and who revokes"
                : target.Refusal;
        if (refusal is not null)
        {
            log.Warning("revocation of {0} refused: {1}", revoke.Target, refusal);
            Sender.Tell(new RevocationRefused(revoke.Target, refusal));
            return;
        }

        var (serial, nodeId, member) = (target.Serial!, target.NodeId, target.Member);
        Revocation revocation;
        try
        {
            // signed by the CA and appended to its folder's list before anyone hears of it
            revocation = ca!.Revoke(serial, nodeId ?? "", revoke.Reason.Trim());
            Learn(ca.Revocations());
        }
        catch (Exception e) when (e is InvalidInputException or IOException or UnauthorizedAccessException)
        {
            log.Error(e, "revocation of {0} failed", revoke.Target);
            Sender.Tell(new RevocationRefused(revoke.Target, $"the CA in {ca!.Folder} could not revoke {serial}: {e.Message}"));
            return;
        }

        var line = revocation.ToLine();
        replicator.Tell(Dsl.Update(RevocationsKey, GSet<string>.Empty, new WriteAll(settings.RevocationWriteTimeout), set => set.Add(line)));
        log.Warning("membership guard: {0} revoked certificate {1} of node {2}{3}: {4}", revoke.By, revocation.Serial, revocation.NodeId, member is null ? "" : $" at {member}", revocation.Reason);
        Context.ActorSelection("/user/" + ActorNames.CoordinatorProxy).Tell(new AuditProtocol.AppendAudit(
            revoke.By.Trim(),
            AuditActions.NodeRevoke,
            member ?? revocation.NodeId,
            $"node {(revocation.NodeId.Length == 0 ? "unknown" : revocation.NodeId)}, certificate serial {revocation.Serial}: {revocation.Reason}"));
        Sender.Tell(new NodeRevoked(RevokedCertificate.Of(revocation), member));
    }

    private static string ListenerOf(Address address) => $"{address.Host}:{address.Port}";

    private static (string Host, int Port) SplitListener(string listener)
    {
        var colon = listener.LastIndexOf(':');
        return (listener[..colon], int.Parse(listener[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private sealed record QuarantineLater(string Address, long Uid);

    private sealed record Probed(string Listener, X509Certificate2? Certificate, X509Certificate2Collection? Chain, string? Failure);

    private sealed class Recheck
    {
        public static readonly Recheck Instance = new();
    }
}
