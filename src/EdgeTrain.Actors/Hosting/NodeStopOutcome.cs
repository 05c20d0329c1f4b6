namespace EdgeTrain.Actors.Hosting;

/// <summary>How <see cref="EdgeTrainNode.StopAsync"/> ended a node.</summary>
public enum NodeStopOutcome
{
    /// <summary>The node left the cluster gracefully: its slices handed off, the others saw it go.</summary>
    Left,

    /// <summary>The node was no member of a cluster (it never joined): terminated at once.</summary>
    NotMember,

    /// <summary>Every other member was unreachable (the seed is gone), so nobody could take the leave in: terminated at once.</summary>
    NobodyReachable,

    /// <summary>The cluster downed the node while it was leaving.</summary>
    Downed,

    /// <summary>The leave did not complete within <c>edgetrain.node.leave-timeout</c>: terminated then.</summary>
    LeaveTimedOut,

    /// <summary>The ActorSystem had already terminated (the node was downed or left by itself).</summary>
    AlreadyStopped,
}
