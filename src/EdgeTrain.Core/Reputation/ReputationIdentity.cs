namespace EdgeTrain.Core.Reputation;

/// <summary>
/// The identities reputations are kept under. Over mutual TLS a node is known by its certificate's node
/// id (<see cref="OfCertificate"/>: <c>urn:edgetrain:node:ID</c>, the certificate's SAN), which its
/// address is bound to by the membership guard, so that a node restarted at another address, or one that
/// enrols nothing new, keeps its record and its quarantine. A node whose certificate is not known (an
/// insecure cluster, or in the seconds before the guard bound it) is known by its cluster address.
/// </summary>
public static class ReputationIdentity
{
    /// <summary>The prefix of an identity from a certificate.</summary>
    public const string CertificatePrefix = "urn:edgetrain:node:";

    /// <summary>The identity of the node whose certificate names node id <paramref name="nodeId"/>.</summary>
    public static string OfCertificate(string nodeId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeId);
        return CertificatePrefix + nodeId;
    }
}
