using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Actors.Membership;

/// <summary>Messages of a node's membership guard (<c>/user/membership-guard</c>): revocations and what the guard did.</summary>
public static class GuardProtocol
{
    /// <summary>
    /// Revoke a node's certificate: <paramref name="Target"/> is a member's address
    /// (<c>akka.ssl.tcp://edgetrain@HOST:PORT</c> or <c>HOST:PORT</c>), whose certificate serial the guard
    /// looks up in what it saw at that address, or a certificate serial number (hex). Only the guard of a
    /// node that holds the cluster's CA (<c>edgetrain seed --ca</c>) revokes: the CA signs the entry and
    /// appends it to its folder's <c>revoked</c>; the guard adds it to the cluster's replicated revocation
    /// list and its own copy, downs the member holding the certificate, asks the coordinator to audit it
    /// (<c>node revoke</c>), and answers <see cref="NodeRevoked"/> or <see cref="RevocationRefused"/>. From
    /// then on no node accepts a TLS connection with that certificate. What <c>edgetrain-cmd node revoke</c> sends.
    /// </summary>
    /// <param name="Target">A member's address or a certificate serial.</param>
    /// <param name="Reason">Why, kept with the revocation.</param>
    /// <param name="By">Who revokes (an operator, a command host), kept in the audit entry.</param>
    public sealed record RevokeNode(string Target, string Reason, string By) : IEdgeTrainMessage;

    /// <summary>One entry of the revocation list, as messages carry it (the list itself keeps the CA's signature).</summary>
    /// <param name="Serial">The certificate's serial number (upper-case hex).</param>
    /// <param name="NodeId">The node the certificate named (empty when unknown).</param>
    /// <param name="Reason">Why it was revoked.</param>
    /// <param name="RevokedAt">When.</param>
    public sealed record RevokedCertificate(string Serial, string NodeId, string Reason, DateTimeOffset RevokedAt)
    {
        /// <summary>The entry <paramref name="revocation"/> of a list.</summary>
        public static RevokedCertificate Of(Revocation revocation)
        {
            ArgumentNullException.ThrowIfNull(revocation);
            return new(revocation.Serial, revocation.NodeId, revocation.Reason, revocation.RevokedAt);
        }
    }

    /// <summary>The certificate is revoked.</summary>
    /// <param name="Revocation">The revocation as the list keeps it.</param>
    /// <param name="Member">The member holding that certificate that was downed, if any.</param>
    public sealed record NodeRevoked(RevokedCertificate Revocation, string? Member) : IEdgeTrainMessage;

    /// <summary>Nothing was revoked: <paramref name="Why"/>.</summary>
    public sealed record RevocationRefused(string Target, string Why) : IEdgeTrainMessage;

    /// <summary>Asks the guard for the revocation list; answered by <see cref="RevocationListReply"/>.</summary>
    public sealed record GetRevocations : IEdgeTrainMessage
    {
        /// <summary>The single instance.</summary>
        public static readonly GetRevocations Instance = new();

        private GetRevocations()
        {
        }
    }

    /// <summary>The revocation list as this node knows it, oldest first.</summary>
    public sealed record RevocationListReply(IReadOnlyList<RevokedCertificate> Revocations) : IEdgeTrainMessage
    {
        /// <summary>The revocations, as a plain array on the wire.</summary>
        public IReadOnlyList<RevokedCertificate> Revocations { get; init; } = Revocations?.ToArray() ?? Array.Empty<RevokedCertificate>();
    }

    /// <summary>Published on the local event stream when the guard downs a member.</summary>
    /// <param name="Address">The member.</param>
    /// <param name="Reason">Why.</param>
    public sealed record MemberRefused(string Address, string Reason) : IEdgeTrainMessage;

    /// <summary>
    /// Published on the local event stream when the guard has bound a member to an accepted certificate:
    /// the member at <paramref name="Address"/> is node <paramref name="NodeId"/> (its certificate's SAN).
    /// The coordinator keeps reputations by it (<see cref="Core.Reputation.ReputationIdentity"/>).
    /// </summary>
    public sealed record MemberCertified(string Address, string NodeId) : IEdgeTrainMessage;

    /// <summary>Published on the local event stream by an actor that starts late: the guard publishes every <see cref="MemberCertified"/> it knows again.</summary>
    public sealed record CertifiedMembersWanted : IEdgeTrainMessage
    {
        /// <summary>The single instance.</summary>
        public static readonly CertifiedMembersWanted Instance = new();

        private CertifiedMembersWanted()
        {
        }
    }
}
