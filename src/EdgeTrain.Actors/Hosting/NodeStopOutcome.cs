namespace EdgeTrain.Actors.Hosting;

/// <summary>How <see cref="EdgeTrainNode.StopAsync"/> ended a node.</summary>
public enum NodeStopOutcome
{
    /// <summary>The node left the cluster gracefully: its slices handed off, the others saw it go.</summary>
    Left,

    /// <summary>The node was no member the cluster could let leave (never joined, or no other member reachable): terminated at once.</summary>
    NotMember,

    /// <summary>The leave did not complete within <c>edgetrain.node.leave-timeout</c>: terminated then.</summary>
    LeaveTimedOut,

    /// <summary>The ActorSystem had already terminated (the node was downed or left by itself).</summary>
    AlreadyStopped,
}
