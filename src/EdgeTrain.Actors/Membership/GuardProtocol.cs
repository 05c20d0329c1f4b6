using EdgeTrain.Actors.Security;
using EdgeTrain.Actors.Serialization;

namespace EdgeTrain.Actors.Membership;

/// <summary>Messages of a node's membership guard (<c>/user/membership-guard</c>): revocations and what the guard did.</summary>
public static class GuardProtocol
{
    /// <summary>
    /// Revoke a node's certificate: <paramref name="Target"/> is a member's address
    /// (<c>akka.ssl.tcp://edgetrain@HOST:PORT</c> or <c>HOST:PORT</c>), whose certificate serial the guard
    /// looks up in what it saw at that address, or a certificate serial number (hex). The guard adds the
    /// serial to the cluster's replicated revocation list and to its own file, downs the member holding
    /// it, and answers <see cref="NodeRevoked"/> or <see cref="RevocationRefused"/>. From then on no node
    /// accepts a TLS connection with that certificate. What <c>edgetrain-cmd node revoke</c> sends.
    /// </summary>
    /// <param name="Target">A member's address or a certificate serial.</param>
    /// <param name="Reason">Why, kept with the revocation.</param>
    /// <param name="By">Who revokes (an operator's name), kept with the revocation.</param>
    public sealed record RevokeNode(string Target, string Reason, string By) : IEdgeTrainMessage;

    /// <summary>The certificate is revoked.</summary>
    /// <param name="Revocation">The revocation as the list keeps it.</param>
    /// <param name="Member">The member holding that certificate that was downed, if any.</param>
    public sealed record NodeRevoked(Revocation Revocation, string? Member) : IEdgeTrainMessage;

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
    public sealed record RevocationListReply(IReadOnlyList<Revocation> Revocations) : IEdgeTrainMessage
    {
        /// <summary>The revocations, as a plain array on the wire.</summary>
        public IReadOnlyList<Revocation> Revocations { get; init; } = Revocations?.ToArray() ?? Array.Empty<Revocation>();
    }

    /// <summary>Published on the local event stream when the guard downs a member.</summary>
    /// <param name="Address">The member.</param>
    /// <param name="Reason">Why.</param>
    public sealed record MemberRefused(string Address, string Reason) : IEdgeTrainMessage;
}
