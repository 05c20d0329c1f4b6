namespace EdgeTrain.Core.Reputation;

/// <summary>
/// Every node identity's reputation, as plain state the coordinator persists: observations arrive as
/// deltas (<see cref="Record"/>), a quarantine or release is decided from the record and the policy and
/// applied when persisted (<see cref="Quarantine"/>, <see cref="Release"/>). Identities are the
/// certificate subjects where nodes enrol, node ids otherwise: an address changes with every restart, an
/// identity does not, so a node cannot shed its record by restarting.
/// </summary>
public sealed class ReputationLedger
{
    private readonly Dictionary<string, ReputationRecord> records = new(StringComparer.Ordinal);

    /// <summary>The records by identity.</summary>
    public IReadOnlyDictionary<string, ReputationRecord> Records => records;

    /// <summary>The record of <paramref name="node"/> (an empty one when it was never seen).</summary>
    public ReputationRecord Of(string node) => records.GetValueOrDefault(node) ?? new ReputationRecord(node);

    /// <summary>Whether <paramref name="node"/> is quarantined.</summary>
    public bool IsQuarantined(string node) => records.TryGetValue(node, out var record) && record.Quarantined;

    /// <summary>Adds observations of <paramref name="node"/>; returns its record after them.</summary>
    public ReputationRecord Record(string node, ReputationDelta delta)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(delta);
        var record = Of(node).Add(delta);
        records[node] = record;
        return record;
    }

    /// <summary>Quarantines <paramref name="node"/> from <paramref name="atUtc"/> for <paramref name="reason"/>.</summary>
    public void Quarantine(string node, DateTime atUtc, string reason)
    {
        var record = Of(node);
        records[node] = record with { QuarantinedUtc = atUtc, QuarantineReason = reason, ObservedAtQuarantine = record.Good + record.Bad };
    }

    /// <summary>
    /// Moves what is recorded under <paramref name="from"/> into <paramref name="to"/>'s record (counts
    /// added; a quarantine of either stays, the earlier one kept) and forgets <paramref name="from"/>.
    /// </summary>
    public void Merge(string from, string to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (from == to || !records.Remove(from, out var moved))
        {
            return;
        }

        var target = Of(to).Add(new ReputationDelta(moved.Used, moved.LeftOut, moved.VotesWon, moved.VotesLost, moved.Refused, moved.SpotChecksPassed, moved.SpotChecksFailed));
        if (moved.Quarantined && (!target.Quarantined || moved.QuarantinedUtc < target.QuarantinedUtc))
        {
            target = target with { QuarantinedUtc = moved.QuarantinedUtc, QuarantineReason = moved.QuarantineReason, ObservedAtQuarantine = moved.ObservedAtQuarantine };
        }

        records[to] = target with { Node = to };
    }

    /// <summary>Releases <paramref name="node"/> from quarantine; its counts start again from a clean slate, as an operator vouched for it.</summary>
    public void Release(string node) => records[node] = new ReputationRecord(node);
}
