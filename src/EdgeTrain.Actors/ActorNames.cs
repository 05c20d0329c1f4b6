namespace EdgeTrain.Actors;

/// <summary>Names of the well-known top-level actors every EdgeTrain node starts.</summary>
public static class ActorNames
{
    /// <summary>The cluster singleton manager of the JobCoordinator (seed role).</summary>
    public const string Coordinator = "job-coordinator";

    /// <summary>The singleton proxy every node talks to the coordinator through: <c>/user/coordinator-proxy</c>.</summary>
    public const string CoordinatorProxy = "coordinator-proxy";

    /// <summary>The host of a node's trainers: <c>/user/trainers</c>.</summary>
    public const string Trainers = "trainers";

    /// <summary>The node's agent that registers it with the coordinator.</summary>
    public const string NodeAgent = "node-agent";

    /// <summary>The node's watch that downs members whose process is gone: <c>/user/gone-peers</c>.</summary>
    public const string GonePeers = "gone-peers";

    /// <summary>The node's watch that takes it out when a member quarantined it: <c>/user/quarantined-by-peer</c>.</summary>
    public const string QuarantinedByPeer = "quarantined-by-peer";

    /// <summary>The node's membership guard, which downs members whose certificate does not allow them in: <c>/user/membership-guard</c>.</summary>
    public const string MembershipGuard = "membership-guard";
}
