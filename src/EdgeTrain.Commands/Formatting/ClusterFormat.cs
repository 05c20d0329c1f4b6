using Akka.Cluster;
using static EdgeTrain.Actors.Membership.GuardProtocol;

namespace EdgeTrain.Commands.Formatting;

/// <summary>Lines of the cluster palette, as Petabridge.Cmd prints them.</summary>
public static class ClusterFormat
{
    /// <summary>One member: <c>akka.tcp://edgetrain@127.0.0.1:4053 | [params, seed] | up |</c>, then <c> unreachable</c> where so.</summary>
    public static string MemberLine(string address, IEnumerable<string> roles, MemberStatus status, bool unreachable) =>
        $"{address} | {Roles(roles)} | {Status(status)} |{(unreachable ? " unreachable" : "")}";

    /// <summary>The closing line of <c>cluster show</c>.</summary>
    public static string Count(int members) => $"Count: {members} {(members == 1 ? "node" : "nodes")}";

    /// <summary>A member status as a word: up, joining, leaving, exiting, down, removed, weakly-up.</summary>
    public static string Status(MemberStatus status) => status switch
    {
        MemberStatus.WeaklyUp => "weakly-up",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>The answer to <c>node revoke</c>: the certificate, its node, and the member downed.</summary>
    public static string Revoked(NodeRevoked revoked)
    {
        ArgumentNullException.ThrowIfNull(revoked);
        var r = revoked.Revocation;
        var node = r.NodeId.Length == 0 ? "an unknown node" : $"node {r.NodeId}";
        return $"Revoked certificate {r.Serial} of {node} ({r.Reason}); {(revoked.Member is null ? "no member holds it" : $"{revoked.Member} is downed")}, and no node accepts that certificate again";
    }

    /// <summary>Roles in order, bracketed: <c>[aggregator, params]</c>.</summary>
    public static string Roles(IEnumerable<string> roles) => "[" + string.Join(", ", roles.Order(StringComparer.Ordinal)) + "]";

    /// <summary>One line of <c>cluster tail</c>: <c>[12:00:01] akka.tcp://… | [roles] | up</c>.</summary>
    public static string EventLine(DateTime atUtc, string address, IEnumerable<string> roles, string what) =>
        $"[{atUtc:HH:mm:ss}] {address} | {Roles(roles)} | {what}";

    /// <summary>What a membership or reachability event says about its member, or null for other events.</summary>
    public static string? Describe(ClusterEvent.IClusterDomainEvent e) => e switch
    {
        ClusterEvent.MemberJoined => "joined",
        ClusterEvent.MemberUp => "up",
        ClusterEvent.MemberWeaklyUp => "weakly-up",
        ClusterEvent.MemberLeft => "leaving",
        ClusterEvent.MemberExited => "exiting",
        ClusterEvent.MemberDowned => "down",
        ClusterEvent.MemberRemoved removed => $"removed (was {Status(removed.PreviousStatus)})",
        ClusterEvent.UnreachableMember => "unreachable",
        ClusterEvent.ReachableMember => "reachable again",
        _ => null,
    };
}
