using Akka.Actor;
using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Membership;

namespace EdgeTrain.Actors.Membership;

/// <summary>Messages between a node's agent and the JobCoordinator.</summary>
public static class MembershipProtocol
{
    /// <summary>
    /// A node announces itself: its cluster address, region, roles and probed capabilities, and
    /// its trainer host (null when it has no trainer role). Sent at start and again every few
    /// seconds, so a coordinator that moved learns every node again. <paramref name="TrainerSlots"/>:
    /// how many jobs it trains at once (<c>edgetrain.training.max-jobs</c>).
    /// </summary>
    public sealed record RegisterNode(string Address, string Region, string[] Roles, NodeCapabilities Capabilities, IActorRef? TrainerHost, int TrainerSlots = 1) : IEdgeTrainMessage;

    /// <summary>The coordinator knows the node.</summary>
    public sealed record NodeRegistered(string Address) : IEdgeTrainMessage;

    /// <summary>Asks the coordinator for the nodes it knows.</summary>
    public sealed record GetNodes : IEdgeTrainMessage
    {
        /// <summary>The single instance.</summary>
        public static readonly GetNodes Instance = new();

        private GetNodes()
        {
        }
    }

    /// <summary>A node as the coordinator knows it.</summary>
    public sealed record NodeInfo(string Address, string Region, string[] Roles, NodeCapabilities Capabilities) : IEdgeTrainMessage
    {
        /// <summary>How many jobs the node trains at once.</summary>
        public int TrainerSlots { get; init; }

        /// <summary>The jobs it trains now.</summary>
        public string[] Jobs { get; init; } = [];

        /// <summary>An operator drained it: it finishes the work it has and takes no more.</summary>
        public bool Draining { get; init; }

        /// <summary>Its score for training (measured speed in its jobs where known, else the start-up probe, times its reputation).</summary>
        public double Score { get; init; }

        /// <summary>Its reputation score (0.5 for a node never observed, towards 1 with a clean record).</summary>
        public double Reputation { get; init; } = 0.5;

        /// <summary>Whether it is quarantined: no work, its contributions dropped.</summary>
        public bool Quarantined { get; init; }

        /// <summary>When it was quarantined (null: it is not).</summary>
        public DateTime? QuarantinedUtc { get; init; }

        /// <summary>How many observations (rounds that judged its contributions, votes, spot checks) it took to quarantine it (0: not quarantined, or by an operator before any).</summary>
        public long QuarantinedAfter { get; init; }
    }

    /// <summary>Answer to <see cref="GetNodes"/>.</summary>
    public sealed record NodeList(IReadOnlyList<NodeInfo> Nodes) : IEdgeTrainMessage
    {
        /// <summary>The nodes, as a plain array on the wire.</summary>
        public IReadOnlyList<NodeInfo> Nodes { get; init; } = Nodes?.ToArray() ?? Array.Empty<NodeInfo>();
    }

    /// <summary>Asks the coordinator for every node it knows with its training activity; answered by <see cref="NodeActivityList"/>.</summary>
    public sealed record GetNodeActivity : IEdgeTrainMessage
    {
        /// <summary>The single instance.</summary>
        public static readonly GetNodeActivity Instance = new();

        private GetNodeActivity()
        {
        }
    }

    /// <summary>
    /// A node as the coordinator knows it, with the contributions its trainer sent to the jobs this
    /// coordinator knows and when it last sent one (null: never).
    /// </summary>
    public sealed record NodeActivity(string Address, string Region, string[] Roles, NodeCapabilities Capabilities, long Contributions, DateTime? LastContributionUtc) : IEdgeTrainMessage
    {
        /// <summary>The jobs it trains now.</summary>
        public string[] Jobs { get; init; } = [];

        /// <summary>An operator drained it: it finishes the work it has and takes no more.</summary>
        public bool Draining { get; init; }

        /// <summary>Its reputation score (0.5 for a node never observed, towards 1 with a clean record).</summary>
        public double Reputation { get; init; } = 0.5;

        /// <summary>Whether it is quarantined: no work, its contributions dropped.</summary>
        public bool Quarantined { get; init; }

        /// <summary>Who its reputation belongs to: its certificate's node (<c>urn:edgetrain:node:ID</c>) once the membership guard bound it, else its address.</summary>
        public string Identity { get; init; } = Address;
    }

    /// <summary>
    /// Drains a node (<c>edgetrain-cmd node drain -a ADDRESS</c>): the trainers it runs finish their
    /// jobs, and the scheduler places no new trainer there. Answered by <see cref="NodeDraining"/> or
    /// <see cref="NodeUnknown"/>.
    /// </summary>
    public sealed record DrainNode(string Address, string By) : IEdgeTrainMessage;

    /// <summary>The node is draining; <paramref name="Jobs"/> are the jobs it still trains.</summary>
    public sealed record NodeDraining(string Address, string[] Jobs, string Message) : IEdgeTrainMessage;

    /// <summary>
    /// Quarantines a node (<c>edgetrain-cmd node quarantine -a ADDRESS [-r REASON]</c>): its trainers stop,
    /// the scheduler gives it no work and the aggregators drop its contributions, until it is released.
    /// Answered by <see cref="NodeQuarantineChanged"/>, <see cref="NodeCommandRefused"/> or <see cref="NodeUnknown"/>.
    /// </summary>
    public sealed record QuarantineNode(string Address, string? Reason, string By) : IEdgeTrainMessage;

    /// <summary>
    /// Releases a quarantined node (<c>edgetrain-cmd node release -a ADDRESS</c>); its reputation starts again
    /// from a clean slate. Answered by <see cref="NodeQuarantineChanged"/>, <see cref="NodeCommandRefused"/> or <see cref="NodeUnknown"/>.
    /// </summary>
    public sealed record ReleaseNode(string Address, string By) : IEdgeTrainMessage;

    /// <summary>The node is now quarantined (or released); <paramref name="Message"/> says what that did.</summary>
    public sealed record NodeQuarantineChanged(string Address, bool Quarantined, string Message) : IEdgeTrainMessage;

    /// <summary>The command cannot be carried out for the node; <paramref name="Reason"/> says why.</summary>
    public sealed record NodeCommandRefused(string Address, string Reason) : IEdgeTrainMessage;

    /// <summary>The coordinator knows no node at <paramref name="Address"/>; <paramref name="Known"/> lists those it knows.</summary>
    public sealed record NodeUnknown(string Address, string[] Known) : IEdgeTrainMessage;

    /// <summary>Answer to <see cref="GetNodeActivity"/>, ordered by address.</summary>
    public sealed record NodeActivityList(NodeActivity[] Nodes) : IEdgeTrainMessage;

    /// <summary>
    /// Published on a node's local event stream when its <see cref="GonePeerDowningActor"/> downs the
    /// member at <paramref name="Address"/> because its process is gone; <paramref name="Evidence"/> says
    /// what showed it. The coordinator notes it as the moment the loss was detected.
    /// </summary>
    public sealed record PeerGone(string Address, DateTime AtUtc, string Evidence);

    /// <summary>A change of a member as the coordinator saw it, at <paramref name="AtUtc"/>; <paramref name="Detail"/> says more when there is more.</summary>
    public sealed record MemberChange(string Address, MemberChangeKind Kind, DateTime AtUtc, string? Detail) : IEdgeTrainMessage;
}
