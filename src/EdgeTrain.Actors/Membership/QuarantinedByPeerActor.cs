using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;

namespace EdgeTrain.Actors.Membership;

/// <summary>
/// Takes this node out when a member of its cluster has quarantined it. A member quarantines a node it
/// downed (a frozen laptop, a cut cable): with Akka.Remote's classic transport that node can never talk
/// to it again until its ActorSystem restarts, and when the gossip that says it was downed is lost (over
/// TLS a handshake that timed out while the node was frozen is refused, so the news may never arrive) it
/// would run on as a cluster of its own. Told by remoting that a current member quarantined it
/// (<see cref="ThisActorSystemQuarantinedEvent"/>), it downs itself: its ActorSystem stops for
/// <c>ClusterDowningReason</c>, and the node program starts a fresh one that joins again.
/// </summary>
public sealed class QuarantinedByPeerActor : ReceiveActor
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Cluster cluster = Cluster.Get(Context.System);
    private bool leaving;

    /// <summary>Creates the actor; it subscribes to remoting's quarantine notices.</summary>
    public QuarantinedByPeerActor()
    {
        Receive<ThisActorSystemQuarantinedEvent>(notice =>
        {
            var by = notice.RemoteAddress;
            var member = cluster.State.Members.Any(m => m.Address.Equals(by) && m.UniqueAddress != cluster.SelfUniqueAddress);
            if (leaving || !member || cluster.SelfMember.Status is MemberStatus.Down or MemberStatus.Removed or MemberStatus.Exiting)
            {
                return;
            }

            leaving = true;
            log.Warning("this node was quarantined by the member {0} (it was downed while it could not answer): it downs itself to start afresh and join again", by);
            cluster.Down(cluster.SelfAddress);
        });
    }

    /// <summary>The actor's props.</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new QuarantinedByPeerActor());

    /// <inheritdoc />
    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(ThisActorSystemQuarantinedEvent));

    /// <inheritdoc />
    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
