using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;

namespace EdgeTrain.Commands.Palettes;

/// <summary>
/// Subscribes to the node's membership and reachability events and writes them, after the current
/// state as a snapshot (<see cref="ClusterEvent.CurrentClusterState"/>), to a channel that a
/// command reads (<c>cluster tail</c>, and <c>cluster leave</c> waiting for the member's removal).
/// Stopping it completes the channel.
/// </summary>
public sealed class ClusterEventRelayActor : ReceiveActor
{
    private readonly ChannelWriter<object> writer;

    /// <summary>Creates the relay writing to <paramref name="writer"/>.</summary>
    public ClusterEventRelayActor(ChannelWriter<object> writer)
    {
        this.writer = writer;
        // the snapshot comes first: from then on no event is missed
        Receive<ClusterEvent.CurrentClusterState>(s => writer.TryWrite(s));
        Receive<ClusterEvent.IClusterDomainEvent>(e => writer.TryWrite(e));
    }

    /// <summary>Props for the relay.</summary>
    public static Props Props(ChannelWriter<object> writer) => Akka.Actor.Props.Create(() => new ClusterEventRelayActor(writer));

    /// <inheritdoc />
    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    /// <inheritdoc />
    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        writer.TryComplete();
    }
}
