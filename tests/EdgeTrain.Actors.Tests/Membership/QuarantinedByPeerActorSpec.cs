using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Remote;
using EdgeTrain.Actors.Membership;

namespace EdgeTrain.Actors.Tests.Membership;

/// <summary>A node that a member quarantined downs itself (and its ActorSystem stops), instead of running on alone.</summary>
public sealed class QuarantinedByPeerActorSpec : IAsyncLifetime
{
    private static readonly Config Plain = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.loglevel = WARNING
        akka.cluster.run-coordinated-shutdown-when-down = on
        # no split brain resolver: only the actor under test may take the node out
        akka.cluster.downing-provider-class = ""
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        akka.coordinated-shutdown.exit-clr = off
        """);

    private readonly ActorSystem seed = ActorSystem.Create("quarantine", Plain);
    private readonly ActorSystem node = ActorSystem.Create("quarantine", Plain);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await node.Terminate();
        await seed.Terminate();
    }

    private static async Task<bool> Within(TimeSpan limit, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return true;
    }

    [Fact]
    public async Task A_node_quarantined_by_a_member_downs_itself_and_its_actor_system_stops()
    {
        var seedCluster = Akka.Cluster.Cluster.Get(seed);
        var nodeCluster = Akka.Cluster.Cluster.Get(node);
        seedCluster.Join(seedCluster.SelfAddress);
        nodeCluster.Join(seedCluster.SelfAddress);
        Assert.True(await Within(TimeSpan.FromSeconds(30), () => seedCluster.State.Members.Count(m => m.Status == MemberStatus.Up) == 2), "the two systems never formed a cluster");
        node.ActorOf(QuarantinedByPeerActor.Props(), "quarantined-by-peer");

        // the seed quarantines the node's incarnation, as it does one it downed
        ((RemoteActorRefProvider)((ExtendedActorSystem)seed).Provider).Quarantine(nodeCluster.SelfAddress, nodeCluster.SelfUniqueAddress.Uid);

        Assert.True(await Within(TimeSpan.FromSeconds(45), () => node.WhenTerminated.IsCompleted), "the quarantined node runs on");
        Assert.IsType<CoordinatedShutdown.ClusterDowningReason>(CoordinatedShutdown.Get(node).ShutdownReason);
        Assert.False(seed.WhenTerminated.IsCompleted);
    }
}
