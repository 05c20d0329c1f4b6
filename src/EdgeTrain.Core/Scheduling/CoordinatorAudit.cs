using System.Globalization;
using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Core.Scheduling;

/// <summary>
/// What the audit log records of the coordinator's persisted events and of what it observes: one
/// <see cref="AuditNote"/> per key operation, worked out from the state before the event is applied.
/// Pure: the coordinator signs the note into an entry and persists both together.
/// </summary>
public static class CoordinatorAudit
{
    /// <summary>
    /// The note for <paramref name="e"/>, done or asked for by <paramref name="who"/>, from <paramref name="state"/>
    /// as it is before <paramref name="e"/> is applied; null for an event that is no operation of its own
    /// (<see cref="AuditAppended"/>).
    /// </summary>
    public static AuditNote? Of(CoordinatorState state, ICoordinatorEvent e, string who)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(who);
        return e switch
        {
            JobSubmitted s => new AuditNote(who, AuditActions.JobSubmit, s.JobId, Describe(s.Spec, s.SliceLengths)),
            JobPaused p => new AuditNote(p.By, AuditActions.JobPause, p.JobId, $"was {StateOf(state, p.JobId)}"),
            JobResumed r => new AuditNote(r.By, AuditActions.JobResume, r.JobId, ""),
            JobPriorityChanged c => new AuditNote(c.By, AuditActions.JobPriority, c.JobId, $"priority {state.Job(c.JobId)?.Priority.ToString(CultureInfo.InvariantCulture) ?? "?"} -> {c.Priority}"),
            JobEnded { State: JobState.Cancelled } x => new AuditNote(who, AuditActions.JobCancel, x.JobId, x.Message ?? "cancelled"),
            JobEnded x => new AuditNote(who, AuditActions.JobEnd, x.JobId, $"{(x.State == JobState.TimedOut ? "timed-out" : x.State.ToString().ToLowerInvariant())}: {x.Message ?? "no reason given"}"),
            NodeDrained d => new AuditNote(d.By, AuditActions.NodeDrain, d.Address, state.JobsOn(d.Address) is { Count: > 0 } jobs ? $"it finishes {string.Join(", ", jobs)}" : "it trains nothing now"),
            NodeQuarantined q => new AuditNote(q.By, AuditActions.NodeQuarantine, q.Node, q.Reason),
            NodeReleased r => new AuditNote(r.By, AuditActions.NodeRelease, r.Node, state.Reputation.Of(r.Node) is { Quarantined: true } was
                ? $"quarantined since {was.QuarantinedUtc:u}: {was.QuarantineReason}"
                : "was not quarantined"),
            CheckpointTaken c => new AuditNote(who, AuditActions.CheckpointSave, c.JobId, string.Create(CultureInfo.InvariantCulture,
                $"checkpoint {c.Id}{(c.Label is null ? "" : $" \"{c.Label}\"")}: slice versions [{string.Join(",", c.Versions)}], {c.Lengths.Sum(l => (long)l)} floats, crc32c {c.ContentHash:X8}")),
            _ => null,
        };
    }

    /// <summary>A node registered with the coordinator.</summary>
    public static AuditNote Registered(TrainerNode node, IEnumerable<string> roles)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(roles);
        return new AuditNote($"node {node.Address}", AuditActions.NodeRegister, node.Address,
            $"region {node.Region}, roles [{string.Join(", ", roles.Order(StringComparer.Ordinal))}], {(node.Trains ? $"{node.Slots} trainer slot(s)" : "no trainer")}");
    }

    /// <summary>
    /// A change of a member's status that the cluster's membership reported (<paramref name="action"/>: one of
    /// <see cref="AuditActions.NodeJoin"/>, <see cref="AuditActions.NodeLeave"/>, <see cref="AuditActions.NodeDown"/>,
    /// <see cref="AuditActions.NodeRemoved"/>).
    /// </summary>
    public static AuditNote Member(string action, string address, IEnumerable<string> roles, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var roleText = $"roles [{string.Join(", ", roles.Order(StringComparer.Ordinal))}]";
        return new AuditNote("cluster membership", action, address, detail is null ? roleText : $"{detail}; {roleText}");
    }

    private static string StateOf(CoordinatorState state, string jobId) =>
        state.Job(jobId)?.State.ToString().ToLowerInvariant() ?? "unknown";

    private static string Describe(JobSpec spec, int[] sliceLengths) => string.Create(CultureInfo.InvariantCulture,
        $"{spec.Name}: model {spec.Model.Kind.ToString().ToLowerInvariant()} ({sliceLengths.Sum(l => (long)l)} parameters in {sliceLengths.Length} slices), data {spec.Data.Path}, " +
        $"priority {spec.Priority}, trainers {spec.MinTrainers}..{(spec.MaxTrainers == 0 ? "any" : spec.MaxTrainers.ToString(CultureInfo.InvariantCulture))}, " +
        $"target {spec.TargetAccuracy:0.####}, time limit {spec.TimeLimit}");
}
