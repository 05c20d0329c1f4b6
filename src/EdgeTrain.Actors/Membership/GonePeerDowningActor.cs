using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Core.Membership;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Actors.Membership;

/// <summary>
/// Downs a member at once when its process is certainly gone. When a member's connection drops,
/// a connection to it fails or it turns unreachable, this actor opens a plain TCP connection to the
/// member's remoting port. A refusal (its host answered, nothing listens) means the process is gone —
/// killed or crashed on a machine that is up — and the member is downed through
/// <see cref="Cluster.Down"/> there and then, instead of after the failure detector's pause and the
/// split brain resolver's <c>stable-after</c>, and its incarnation is quarantined, which marks it
/// terminated so that the leader removes it without waiting for the failure detector. Anything else (accepted, no answer, another error)
/// changes nothing: a frozen or overloaded process still has a listening socket its kernel accepts
/// on, and silence stays the failure detector's and the split brain resolver's to judge. Every node
/// runs one; downing is idempotent, so whichever sees the refusal first downs the member. Each
/// downing is published on the local event stream as <see cref="PeerGone"/>. The decisions are
/// <see cref="GonePeerWatch"/>'s.
/// </summary>
public sealed class GonePeerDowningActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Cluster cluster = Cluster.Get(Context.System);
    private readonly EdgeTrainSettings settings;
    private readonly HashSet<Address> unreachable = [];
    private readonly Dictionary<Address, UniqueAddress> incarnations = [];
    private GonePeerWatch watch;

    /// <summary>Creates the actor with the probe timings of <paramref name="settings"/>.</summary>
    public GonePeerDowningActor(EdgeTrainSettings settings)
    {
        this.settings = settings;
        watch = new GonePeerWatch(cluster.SelfAddress.ToString(), settings.PeerProbeInterval);

        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var member in state.Members.Where(m => Probeable(m.Status)))
            {
                watch = watch.Joined(member.Address.ToString());
                incarnations[member.Address] = member.UniqueAddress;
            }

            foreach (var member in state.Unreachable)
            {
                unreachable.Add(member.Address);
                Suspect(member.Address, "it is unreachable");
            }
        });
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            var address = e.Member.Address.ToString();
            watch = Probeable(e.Member.Status) ? watch.Joined(address) : watch.Gone(address);
            incarnations[e.Member.Address] = e.Member.UniqueAddress;
            if (e is ClusterEvent.MemberRemoved)
            {
                unreachable.Remove(e.Member.Address);
                incarnations.Remove(e.Member.Address);
            }
        });
        Receive<ClusterEvent.UnreachableMember>(e =>
        {
            unreachable.Add(e.Member.Address);
            Suspect(e.Member.Address, "it is unreachable");
        });
        Receive<ClusterEvent.ReachableMember>(e => unreachable.Remove(e.Member.Address));
        Receive<ClusterEvent.IReachabilityEvent>(_ => { });
        Receive<DisassociatedEvent>(e => Suspect(e.RemoteAddress, "its connection closed"));
        Receive<AssociationErrorEvent>(e => Suspect(e.RemoteAddress, "a connection to it failed"));
        Receive<AssociationEvent>(_ => { });
        Receive<Reprobe>(_ =>
        {
            foreach (var address in unreachable.ToList())
            {
                Suspect(address, "it is still unreachable");
            }
        });
        Receive<Probed>(Decide);
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the actor.</summary>
    public static Props Props(EdgeTrainSettings settings) => Akka.Actor.Props.Create(() => new GonePeerDowningActor(settings));

    /// <summary>Opens a TCP connection to <paramref name="host"/>:<paramref name="port"/> and closes it again, within <paramref name="timeout"/>.</summary>
    public static async Task<ProbeResult> ProbeAsync(string host, int port, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(host, port, cancel.Token).ConfigureAwait(false);
            return ProbeResult.Accepted;
        }
        catch (OperationCanceledException)
        {
            return ProbeResult.TimedOut;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return ProbeResult.Refused;
        }
        catch (SocketException)
        {
            return ProbeResult.Failed;
        }
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Context.System.EventStream.Subscribe(Self, typeof(AssociationEvent));
        Timers.StartPeriodicTimer(nameof(Reprobe), Reprobe.Instance, settings.PeerProbeInterval);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        cluster.Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }

    private static bool Probeable(MemberStatus status) => status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up;

    private void Suspect(Address address, string why)
    {
        // a node that is not up itself (joining, leaving, downed) leaves downing to the others
        if (cluster.SelfMember.Status != MemberStatus.Up || address.Host is not { } host || address.Port is not { } port)
        {
            return;
        }

        (watch, var probe) = watch.Suspect(address.ToString(), DateTime.UtcNow);
        if (probe)
        {
            ProbeAsync(host, port, settings.PeerProbeTimeout).PipeTo(Self, success: result => new Probed(address, result, why), failure: _ => new Probed(address, ProbeResult.Failed, why));
        }
    }

    private void Decide(Probed probed)
    {
        var now = DateTime.UtcNow;
        (watch, var decision) = watch.Probed(probed.Address.ToString(), probed.Result, now);
        if (decision == ProbeDecision.Down)
        {
            log.Warning("member {0}: {1}, and its host refuses connections to {2}:{3}: nothing listens there, its process is gone; downing it",
                probed.Address, probed.Why, probed.Address.Host, probed.Address.Port);
            cluster.Down(probed.Address);

            // The leader removes a downed member only once it is unreachable or terminated too (a
            // downed live node shuts itself down first); quarantining the dead incarnation marks it
            // terminated now instead of after the failure detector's pause. It cannot come back.
            if (incarnations.TryGetValue(probed.Address, out var incarnation) && ((ExtendedActorSystem)Context.System).Provider is IRemoteActorRefProvider remoting)
            {
                remoting.Quarantine(probed.Address, incarnation.Uid);
            }

            Context.System.EventStream.Publish(new PeerGone(probed.Address.ToString(), now, $"{probed.Why}; connection refused"));
        }
        else if (probed.Result != ProbeResult.Accepted)
        {
            log.Info("member {0}: {1}; probing its port: {2}, left to the failure detector", probed.Address, probed.Why, probed.Result);
        }
    }

    private sealed record Probed(Address Address, ProbeResult Result, string Why);

    private sealed class Reprobe
    {
        public static readonly Reprobe Instance = new();
    }
}
