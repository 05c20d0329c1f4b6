namespace EdgeTrain.Actors.Membership;

/// <summary>What happened to a cluster member (<see cref="MembershipProtocol.MemberChange"/>), in the order a lost node goes through.</summary>
public enum MemberChangeKind
{
    /// <summary>The failure detector marked it unreachable (silence).</summary>
    Unreachable,

    /// <summary>A node found its process gone (its port refused a connection) and downed it.</summary>
    ProcessGone,

    /// <summary>Its status became Down (by the split brain resolver, a gone-process finding or an operator).</summary>
    Downed,

    /// <summary>It left the membership for good; what it hosted may start elsewhere.</summary>
    Removed,
}
