using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Event;
using EdgeTrain.Actors.Aggregation;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Actors.Membership;
using EdgeTrain.Actors.Parameters;
using EdgeTrain.Actors.Security;
using EdgeTrain.Actors.Split;
using EdgeTrain.Actors.Training;
using EdgeTrain.Core;
using EdgeTrain.Core.Membership;
using EdgeTrain.Core.Security;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Actors.Hosting;

/// <summary>
/// One running EdgeTrain cluster node: its ActorSystem and the actors its roles call for.
/// <c>params</c>: the ParameterShard region; <c>aggregator</c>: the RegionAggregator region;
/// <c>trainer</c>: the trainer host; <c>seed</c>: the JobCoordinator singleton and the receptionist
/// that command-line clients reach it through. Nodes without a role use proxies to the regions.
/// Every node registers itself with the coordinator, and downs members whose process is gone
/// (<see cref="GonePeerDowningActor"/>).
/// </summary>
public sealed class EdgeTrainNode
{
    private EdgeTrainNode(ActorSystem system, EdgeTrainSettings settings, IActorRef shards, IActorRef aggregators, IActorRef coordinator, PeerCertificates? peers)
    {
        Peers = peers;
        System = system;
        Settings = settings;
        Shards = shards;
        Aggregators = aggregators;
        Coordinator = coordinator;
    }

    /// <summary>The node's ActorSystem.</summary>
    public ActorSystem System { get; }

    /// <summary>The node's settings.</summary>
    public EdgeTrainSettings Settings { get; }

    /// <summary>The parameter shard region (or proxy).</summary>
    public IActorRef Shards { get; }

    /// <summary>The region aggregator region (or proxy).</summary>
    public IActorRef Aggregators { get; }

    /// <summary>The proxy to the JobCoordinator singleton.</summary>
    public IActorRef Coordinator { get; }

    /// <summary>The checks of peers' certificates (the cluster's CA, the revocations as they arrive); null without TLS.</summary>
    public PeerCertificates? Peers { get; }

    /// <summary>The node's cluster address.</summary>
    public string Address => Cluster.Get(System).SelfAddress.ToString();

    /// <summary>
    /// Starts a node with <paramref name="options"/>. Over TLS (<c>edgetrain.security.mode</c>, the
    /// default) it reads its identity and revocation list first and refuses to start without an
    /// identity, or with roles its certificate does not grant.
    /// </summary>
    /// <exception cref="InvalidInputException">no identity, an unusable one, or a role it does not grant.</exception>
    public static EdgeTrainNode Start(NodeOptions options) => Start(options, checkClaims: true);

    /// <summary>Starts a node; <paramref name="checkClaims"/> false skips the check of its roles against its certificate (tests of what peers do about such a node).</summary>
    internal static EdgeTrainNode Start(NodeOptions options, bool checkClaims)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = ClusterConfigBuilder.ForNode(options);
        // before the ActorSystem: a storage key file that does not load stops the program with a
        // line naming it, not inside Akka's serializers (which read the same file); so does a
        // missing or unusable identity, or a role its certificate does not grant
        var settings = EdgeTrainSettings.Create(config);
        var security = settings.Security;
        NodeIdentity? identity = null;
        CertificateAuthority? ca = null;
        PeerCertificates? peers = null;
        if (security.Mode == SecurityMode.Tls)
        {
            identity = ClusterTls.LoadIdentity(security.Identity, checkClaims ? [.. options.Roles] : null);
            var revoked = security.Identity.ReadRevocations(identity.Ca);
            if (security.CaDirectory is { } caDirectory)
            {
                ca = ClusterTls.LoadAuthority(caDirectory, identity);
                revoked = revoked.Merge(ca.Revocations());
            }

            peers = new PeerCertificates(identity.Ca, revoked, TimeProvider.System);
        }

        SqliteJournalFile.Prepare(config);
        // the node joins its seeds once its actors are in place (below), not as the ActorSystem starts:
        // a peer may down it at once (its membership guard refusing what it claims), and an ActorSystem
        // terminated while this method still builds it would fail here instead of stopping cleanly
        var seedNodes = config.GetStringList("akka.cluster.seed-nodes", []).Select(Akka.Actor.Address.Parse).ToList();
        config = ConfigurationFactory.ParseString("akka.cluster.seed-nodes = []").WithFallback(config);
        var system = ActorSystem.Create(ClusterConfigBuilder.SystemName, ClusterTls.SystemSetup(config, identity is null ? null : ClusterTls.Setup(identity, peers!)));
        var roles = options.Roles;
        var sharding = ClusterSharding.Get(system);
        if (identity is not null)
        {
            peers!.Attach(system);
            system.ActorOf(MembershipGuardActor.Props(settings.Security, peers, identity.Certificate, ca), ActorNames.MembershipGuard);
            system.Log.Info("TLS: node {0} (certificate {1}, roles {2}), peers checked against {3}; {4} revoked certificate(s) known", identity.NodeId, identity.Certificate.SerialNumber, string.Join(",", identity.Roles), identity.Ca.Subject, peers.Revoked.Count);
            system.RegisterOnTermination(identity.Dispose);
            if (ca is not null)
            {
                system.Log.Info("TLS: this node holds the cluster's CA ({0}, in {1}) and carries out revocations", ca.Name, ca.Folder);
                system.RegisterOnTermination(ca.Dispose);
            }
        }
        else
        {
            system.Log.Warning("INSECURE: this node runs without TLS; peers are not authenticated and any process that reaches its port can join the cluster. For debugging only.");
        }

        if (settings.DownGonePeers)
        {
            system.ActorOf(GonePeerDowningActor.Props(settings), ActorNames.GonePeers);
        }

        system.ActorOf(QuarantinedByPeerActor.Props(), ActorNames.QuarantinedByPeer);

        var sliceExtractor = new SliceMessageExtractor(settings.ShardCount);
        var shards = roles.Contains(CapabilityScore.ParamsRole)
            ? sharding.Start(settings.ShardTypeName, entityId => ParameterShardActor.Props(entityId, settings), ClusterShardingSettings.Create(system).WithRole(CapabilityScore.ParamsRole), sliceExtractor)
            : sharding.StartProxy(settings.ShardTypeName, CapabilityScore.ParamsRole, sliceExtractor);

        var aggregatorExtractor = new AggregatorMessageExtractor(settings.AggregatorShardCount);
        var aggregators = roles.Contains(CapabilityScore.AggregatorRole)
            ? sharding.Start(
                settings.AggregatorTypeName,
                entityId => RegionAggregatorActor.Props(entityId, shards, settings),
                ClusterShardingSettings.Create(system).WithRole(CapabilityScore.AggregatorRole),
                aggregatorExtractor)
            : sharding.StartProxy(settings.AggregatorTypeName, CapabilityScore.AggregatorRole, aggregatorExtractor);

        if (roles.Contains(SeedRole))
        {
            system.ActorOf(
                ClusterSingletonManager.Props(
                    JobCoordinatorActor.Props(shards, aggregators, sliceExtractor, settings),
                    PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(system).WithRole(SeedRole).WithSingletonName(ActorNames.Coordinator)),
                ActorNames.Coordinator);
        }

        var coordinator = system.ActorOf(
            ClusterSingletonProxy.Props(
                "/user/" + ActorNames.Coordinator,
                ClusterSingletonProxySettings.Create(system).WithRole(SeedRole).WithSingletonName(ActorNames.Coordinator)),
            ActorNames.CoordinatorProxy);
        if (roles.Contains(SeedRole))
        {
            ClusterClientReceptionist.Get(system).RegisterService(coordinator);
        }

        // split jobs' split-servers: one entity per job, on a trainer node
        var splitExtractor = new SplitMessageExtractor(settings.AggregatorShardCount);
        var splitServers = roles.Contains(CapabilityScore.TrainerRole)
            ? sharding.Start(
                SplitServerTypeName,
                entityId => SplitServerActor.Props(entityId, shards, coordinator, settings),
                ClusterShardingSettings.Create(system).WithRole(CapabilityScore.TrainerRole),
                splitExtractor)
            : sharding.StartProxy(SplitServerTypeName, CapabilityScore.TrainerRole, splitExtractor);

        var address = Cluster.Get(system).SelfAddress.ToString();
        IActorRef? trainers = roles.Contains(CapabilityScore.TrainerRole)
            ? system.ActorOf(TrainerHostActor.Props(shards, aggregators, settings, address, splitServers), ActorNames.Trainers)
            : null;
        system.ActorOf(NodeAgentActor.Props(new RegisterNode(address, options.Region, [.. roles], options.Capabilities, trainers, settings.MaxJobs), coordinator), ActorNames.NodeAgent);
        if (seedNodes.Count > 0)
        {
            Cluster.Get(system).JoinSeedNodes(seedNodes);
        }

        return new EdgeTrainNode(system, settings, shards, aggregators, coordinator, peers);
    }

    // how often a leaving node checks that somebody is still there to take its leave in
    private static readonly TimeSpan LeaveCheck = TimeSpan.FromMilliseconds(200);

    /// <summary>The cluster sharding type name of split jobs' split-servers.</summary>
    public const string SplitServerTypeName = "split-server";

    /// <summary>The role of seed nodes, which run the JobCoordinator.</summary>
    public const string SeedRole = "seed";

    /// <summary>Leaves the cluster gracefully (shards hand off first) and terminates the ActorSystem.</summary>
    public Task LeaveAsync() => CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);

    /// <summary>
    /// Stops the node as a program does when it is told to: a member leaves the cluster gracefully
    /// (<see cref="LeaveAsync"/>: its slices hand off first) for at most <see cref="EdgeTrainSettings.LeaveTimeout"/>.
    /// A node that is no member (it never joined), whose other members are all unreachable (nobody
    /// could take its leave in: the seed is gone), or whose leave is not done by then, terminates its
    /// ActorSystem at once. Completes when the ActorSystem has terminated.
    /// </summary>
    public async Task<NodeStopOutcome> StopAsync()
    {
        if (System.WhenTerminated.IsCompleted)
        {
            return NodeStopOutcome.AlreadyStopped;
        }

        var cluster = Cluster.Get(System);
        if (!IsMember(cluster.SelfMember.Status))
        {
            await TerminateAtOnceAsync().ConfigureAwait(false);
            return NodeStopOutcome.NotMember;
        }

        var deadline = DateTime.UtcNow + Settings.LeaveTimeout;
        var leaving = false;
        while (true)
        {
            if (!AnyoneToLeaveTo(cluster))
            {
                await TerminateAtOnceAsync().ConfigureAwait(false);
                return NodeStopOutcome.NobodyReachable;
            }

            if (!leaving)
            {
                _ = LeaveAsync();
                leaving = true;
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                await TerminateAtOnceAsync().ConfigureAwait(false);
                return NodeStopOutcome.LeaveTimedOut;
            }

            var ended = await Task.WhenAny(System.WhenTerminated, Task.Delay(remaining < LeaveCheck ? remaining : LeaveCheck)).ConfigureAwait(false);
            if (ended == System.WhenTerminated)
            {
                return CoordinatedShutdown.Get(System).ShutdownReason is CoordinatedShutdown.ClusterLeavingReason ? NodeStopOutcome.Left : NodeStopOutcome.Downed;
            }
        }
    }

    /// <summary>Completes when the ActorSystem has terminated.</summary>
    public Task WhenTerminated => System.WhenTerminated;

    // Abort skips (or cuts short) CoordinatedShutdown, whose cluster phases would wait their timeouts
    // out for a cluster that is not there.
    private Task TerminateAtOnceAsync()
    {
        ((ExtendedActorSystem)System).Abort();
        return System.WhenTerminated;
    }

    // Joining, WeaklyUp and Up members leave; Leaving and Exiting ones are on their way (edgetrain-cmd
    // cluster leave). A node that never joined sees itself as Removed.
    private static bool IsMember(MemberStatus status) =>
        status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting;

    // A leave completes when a reachable member takes it in, or when the node is alone (its own leader).
    private static bool AnyoneToLeaveTo(Cluster cluster)
    {
        var state = cluster.State;
        var others = state.Members.Where(m => !m.UniqueAddress.Equals(cluster.SelfUniqueAddress)).ToList();
        return others.Count == 0 || others.Any(m => !state.Unreachable.Contains(m));
    }
}
