using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Audit;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// The JobCoordinator's audit log (<see cref="AuditLog"/>): appending an entry from inside the cluster, and
/// reading the log in chunks (<c>edgetrain audit verify|export</c>, <c>edgetrain-cmd audit tail</c>).
/// </summary>
public static class AuditProtocol
{
    /// <summary>
    /// Asks the coordinator to append an entry: <paramref name="Who"/> did <paramref name="Action"/> (see
    /// <see cref="AuditActions"/>) to <paramref name="Subject"/>; <paramref name="Detail"/> says more. Accepted
    /// only from the cluster's own members (an ops command host, later enrolment, revocation and quarantine),
    /// never through the receptionist that command-line clients use. Answered by <see cref="AuditRecorded"/>
    /// once the entry is in the journal, or <see cref="AuditRefused"/>.
    /// </summary>
    public sealed record AppendAudit(string Who, string Action, string Subject, string Detail) : IEdgeTrainMessage;

    /// <summary>The entry is in the journal as number <paramref name="Sequence"/> with hash <paramref name="Hash"/>.</summary>
    public sealed record AuditRecorded(long Sequence, string Hash) : IEdgeTrainMessage;

    /// <summary>The coordinator did not append the entry; <paramref name="Reason"/> says why.</summary>
    public sealed record AuditRefused(string Reason) : IEdgeTrainMessage;

    /// <summary>
    /// Asks for at most <paramref name="Max"/> entries from the <paramref name="From"/>-th on (1: the first), or
    /// the last <paramref name="Max"/> when <paramref name="From"/> is 0 or less; answered by
    /// <see cref="AuditChunk"/>. The coordinator sends at most <c>edgetrain.audit.chunk-entries</c> entries a
    /// chunk, so that no message nears the transport's frame size: a client asks again from where a chunk ended.
    /// </summary>
    public sealed record GetAuditLog(long From, int Max) : IEdgeTrainMessage;

    /// <summary>
    /// Entries of the audit log, oldest first, the first of them the <paramref name="From"/>-th; the log holds
    /// <paramref name="Count"/> entries in all, the last with hash <paramref name="HeadHash"/>.
    /// </summary>
    public sealed record AuditChunk(long From, AuditEntry[] Entries, long Count, string HeadHash) : IEdgeTrainMessage;
}
