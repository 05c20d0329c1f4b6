using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Enrolment.Server;

/// <summary>What an accepted enrolment or renewal hands the node: its certificate, the CA's and the revocation list.</summary>
/// <param name="Certificate">The node's new certificate (no private key: the node has it).</param>
/// <param name="Ca">The cluster CA's certificate.</param>
/// <param name="Revocations">The CA's revocation list.</param>
/// <param name="Record">What the audit log recorded.</param>
public sealed record EnrolmentGrant(X509Certificate2 Certificate, X509Certificate2 Ca, RevocationList Revocations, EnrolmentRecord Record);
