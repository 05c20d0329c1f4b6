using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Reputation;

namespace EdgeTrain.Core.Scheduling;

/// <summary>
/// What the JobCoordinator persists, so that a coordinator that moves to another seed node knows every
/// job; <see cref="CoordinatorState.Apply"/> replays them on recovery exactly as it applies them live.
/// Everything else the coordinator knows (nodes, placements, progress) it learns again from the nodes.
/// </summary>
public interface ICoordinatorEvent;

/// <summary>What the coordinator's events are about.</summary>
public static class CoordinatorEvents
{
    /// <summary>The job an event is about, or null (a node's event).</summary>
    public static string? JobOf(ICoordinatorEvent e) => e switch
    {
        JobSubmitted s => s.JobId,
        JobEnded x => x.JobId,
        JobPaused p => p.JobId,
        JobResumed r => r.JobId,
        JobPriorityChanged c => c.JobId,
        CheckpointTaken c => c.JobId,
        PrivacyLeased l => l.JobId,
        _ => null,
    };

    /// <summary>
    /// What one aggregator progress report saw of the nodes (by address), folded per node identity
    /// (<paramref name="identityOf"/>, <see cref="CoordinatorState.IdentityOf"/>) into one event each, in
    /// identity order; nothing for empty deltas.
    /// </summary>
    public static ReputationObserved[] Observations(IReadOnlyDictionary<string, ReputationDelta> byAddress, Func<string, string> identityOf)
    {
        ArgumentNullException.ThrowIfNull(byAddress);
        ArgumentNullException.ThrowIfNull(identityOf);
        var folded = new SortedDictionary<string, ReputationDelta>(StringComparer.Ordinal);
        foreach (var (address, delta) in byAddress)
        {
            if (delta is null || delta.IsEmpty)
            {
                continue;
            }

            var node = identityOf(address);
            folded[node] = folded.TryGetValue(node, out var known) ? known.Plus(delta) : delta;
        }

        return [.. folded.Select(f => new ReputationObserved(f.Key, f.Value))];
    }
}

/// <summary>A job was accepted with the slices its model is cut into.</summary>
public sealed record JobSubmitted(string JobId, JobSpec Spec, int[] SliceLengths, DateTime SubmittedUtc) : ICoordinatorEvent;

/// <summary>A job ended.</summary>
public sealed record JobEnded(string JobId, JobState State, double Accuracy, string? Message) : ICoordinatorEvent;

/// <summary>An operator paused a running job (<paramref name="By"/> names who asked, for the record).</summary>
public sealed record JobPaused(string JobId, DateTime AtUtc, string By) : ICoordinatorEvent;

/// <summary>An operator resumed a paused job: it goes back to the scheduler.</summary>
public sealed record JobResumed(string JobId, DateTime AtUtc, string By) : ICoordinatorEvent;

/// <summary>An operator set a job's priority.</summary>
public sealed record JobPriorityChanged(string JobId, int Priority, DateTime AtUtc, string By) : ICoordinatorEvent;

/// <summary>An operator drained a trainer node: it finishes its work and takes no more.</summary>
public sealed record NodeDrained(string Address, DateTime AtUtc, string By) : ICoordinatorEvent;

/// <summary>
/// What the aggregators saw of one node identity (<see cref="ReputationIdentity"/>) in one progress
/// report, folded into one delta: the coordinator persists one event per node per report, never one per
/// contribution.
/// </summary>
public sealed record ReputationObserved(string Node, ReputationDelta Delta) : ICoordinatorEvent;

/// <summary>
/// A node identity was quarantined at <paramref name="AtUtc"/>: by its reputation (<paramref name="By"/>
/// names the coordinator) or by an operator. It gets no work and its contributions are dropped until released.
/// </summary>
public sealed record NodeQuarantined(string Node, DateTime AtUtc, string Reason, string By) : ICoordinatorEvent;

/// <summary>
/// The membership guard bound the member at <paramref name="Address"/> to a certificate of the cluster's CA
/// naming <paramref name="Identity"/> (<see cref="ReputationIdentity.OfCertificate"/>): from now on the
/// address's reputation is that identity's, and what was recorded under the address moves to it.
/// </summary>
public sealed record NodeIdentified(string Address, string Identity, DateTime AtUtc) : ICoordinatorEvent;

/// <summary>
/// A DP-SGD trainer was leased more steps of a job: its <paramref name="Partitions"/>' examples count as
/// having spent <paramref name="Reserved"/> from now on (before the steps are taken), so that the
/// record survives the trainer, and the coordinator, and is never below what was released.
/// </summary>
public sealed record PrivacyLeased(string JobId, int[] Partitions, Privacy.PrivacySpent Reserved, DateTime AtUtc) : ICoordinatorEvent;

/// <summary>An operator released a node identity from quarantine; its record starts again from a clean slate.</summary>
public sealed record NodeReleased(string Node, DateTime AtUtc, string By) : ICoordinatorEvent;

/// <summary>
/// Checkpoint <paramref name="Id"/> of a job was written to its file: the slices' versions and lengths,
/// in slice order, and the CRC-32C of the values (<see cref="Parameters.CheckpointFile.ContentHash"/>).
/// </summary>
public sealed record CheckpointTaken(string JobId, long Id, DateTime TakenUtc, string? Label, long[] Versions, int[] Lengths, uint ContentHash) : ICoordinatorEvent;

/// <summary>
/// An entry was appended to the audit log (<see cref="AuditLog"/>). Persisted in the same atomic write as
/// the event of the operation it records, when there is one, so that neither is stored without the other.
/// Its journal record is the entry's stored form (<see cref="AuditEncoding.Stored"/>); a record that cannot
/// be read comes back as a stand-in (<see cref="AuditEntry.Unreadable"/>) and fails verification there.
/// </summary>
public sealed record AuditAppended(AuditEntry Entry) : ICoordinatorEvent;
