using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Actors.Jobs;

/// <summary>The coordinator's answer to <see cref="GetNodeActivity"/>, worked out from the nodes and the jobs it knows.</summary>
public static class NodeActivities
{
    /// <summary>Each registered node, ordered by address, with its contributions to all <paramref name="runs"/> and the latest of them.</summary>
    public static NodeActivity[] Of(IEnumerable<RegisterNode> nodes, IReadOnlyCollection<JobRun> runs)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(runs);
        return [.. nodes
            .OrderBy(n => n.Address, StringComparer.Ordinal)
            .Select(n => new NodeActivity(
                n.Address,
                n.Region,
                n.Roles,
                n.Capabilities,
                runs.Sum(r => r.Contributions(n.Address)),
                runs.Select(r => r.LastContribution(n.Address)).Max()))];
    }
}
