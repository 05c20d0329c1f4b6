using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;

namespace EdgeTrain.Commands.Palettes;

/// <summary>
/// Subscribes to the node's membership and reachability events and writes them to a channel that a
/// command reads (<c>cluster tail</c>, and <c>cluster leave</c> waiting for the member's removal).
/// Stopping it completes the channel.
/// </summary>
public sealed class ClusterEventRelayActor : ReceiveActor
{
    private readonly ChannelWriter<ClusterEvent.IClusterDomainEvent> writer;

    /// <summary>Creates the relay writing to <paramref name="writer"/>.</summary>
    public ClusterEventRelayActor(ChannelWriter<ClusterEvent.IClusterDomainEvent> writer)
    {
        this.writer = writer;
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<ClusterEvent.IClusterDomainEvent>(e => writer.TryWrite(e));
    }

    /// <summary>Props for the relay.</summary>
    public static Props Props(ChannelWriter<ClusterEvent.IClusterDomainEvent> writer) => Akka.Actor.Props.Create(() => new ClusterEventRelayActor(writer));

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
