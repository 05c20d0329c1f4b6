using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Scheduling;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// What an operator's command (<c>edgetrain-cmd job pause|resume|cancel|priority</c>, <c>node drain|quarantine|release</c>)
/// means for the coordinator's state: the event to persist, or the answer that refuses it; and, once the
/// event is applied, the answer that says what happened. Pure: the coordinator persists and replies.
/// </summary>
public static class OperatorCommands
{
    /// <summary>The event <paramref name="command"/> asks for at <paramref name="nowUtc"/>, or the answer that refuses it (an unknown job or node, a job that cannot take the action).</summary>
    public static (ICoordinatorEvent? Event, object? Refusal) Decide(CoordinatorState state, object command, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(state);
        return command switch
        {
            ControlJob c when state.Job(c.JobId) is null => (null, new JobUnknown(c.JobId)),
            ControlJob c when state.Job(c.JobId)!.Refusal(c.Action) is { } reason => (null, new JobControlRefused(c.JobId, c.Action, reason)),
            ControlJob { Action: JobControl.Pause } c => (new JobPaused(c.JobId, nowUtc, c.By), null),
            ControlJob { Action: JobControl.Resume } c => (new JobResumed(c.JobId, nowUtc, c.By), null),
            ControlJob c => (new JobEnded(c.JobId, JobState.Cancelled, state.Job(c.JobId)!.Accuracy, $"cancelled by {c.By} at {state.Job(c.JobId)!.Accuracy:P2}"), null),
            SetJobPriority p when state.Job(p.JobId) is null => (null, new JobUnknown(p.JobId)),
            SetJobPriority p when state.Job(p.JobId) is { Finished: true } job => (null, new JobControlRefused(p.JobId, JobControl.Resume, $"job {p.JobId} has already ended ({job.State}); its priority stays {job.Priority}")),
            SetJobPriority p => (new JobPriorityChanged(p.JobId, p.Priority, nowUtc, p.By), null),
            DrainNode d when !state.Nodes.ContainsKey(d.Address) => (null, new NodeUnknown(d.Address, [.. state.Nodes.Keys.Order(StringComparer.Ordinal)])),
            DrainNode d => (new NodeDrained(d.Address, nowUtc, d.By), null),
            QuarantineNode q when !state.Nodes.ContainsKey(q.Address) => (null, Unknown(state, q.Address)),
            QuarantineNode q when state.Quarantined(q.Address) => (null, new NodeCommandRefused(q.Address,
                $"node {q.Address} is already quarantined (since {state.Reputation.Of(state.IdentityOf(q.Address)).QuarantinedUtc:u}: {state.Reputation.Of(state.IdentityOf(q.Address)).QuarantineReason})")),
            QuarantineNode q => (new NodeQuarantined(state.IdentityOf(q.Address), nowUtc, string.IsNullOrWhiteSpace(q.Reason) ? $"quarantined by {q.By}" : $"{q.Reason} (by {q.By})", q.By), null),
            ReleaseNode r when !state.Quarantined(r.Address) && !state.Nodes.ContainsKey(r.Address) => (null, Unknown(state, r.Address)),
            ReleaseNode r when !state.Quarantined(r.Address) => (null, new NodeCommandRefused(r.Address, $"node {r.Address} is not quarantined; nothing to release")),
            ReleaseNode r => (new NodeReleased(state.IdentityOf(r.Address), nowUtc, r.By), null),
            _ => throw new ArgumentException($"not an operator command: {command?.GetType().Name}", nameof(command)),
        };
    }

    // the answer to a command for a node the coordinator does not know
    private static NodeUnknown Unknown(CoordinatorState state, string address) => new(address, [.. state.Nodes.Keys.Order(StringComparer.Ordinal)]);

    /// <summary>Who asked for an operator command (its <c>By</c>), for the audit log.</summary>
    public static string By(object command) => command switch
    {
        ControlJob c => c.By,
        SetJobPriority p => p.By,
        DrainNode d => d.By,
        QuarantineNode q => q.By,
        ReleaseNode r => r.By,
        _ => throw new ArgumentException($"not an operator command: {command?.GetType().Name}", nameof(command)),
    };

    /// <summary>The answer once <paramref name="e"/> is applied; <paramref name="stopped"/> trainers were told to stop for it.</summary>
    public static object Answer(CoordinatorState state, ICoordinatorEvent e, int stopped, int priorityBefore)
    {
        ArgumentNullException.ThrowIfNull(state);
        return e switch
        {
            JobPaused p => new JobControlled(p.JobId, JobControl.Pause, JobState.Paused, $"job {p.JobId} paused; its trainers stopped on {stopped} node(s)"),
            JobResumed r => new JobControlled(r.JobId, JobControl.Resume, state.Job(r.JobId)!.State,
                $"job {r.JobId} resumed; {(state.Job(r.JobId)!.Placement.Count is var n and > 0 ? $"it starts on {n} trainer node(s)" : $"it waits: {state.Job(r.JobId)!.WaitingFor}")}"),
            JobEnded c => new JobControlled(c.JobId, JobControl.Cancel, JobState.Cancelled, $"job {c.JobId} cancelled; its trainers stopped on {stopped} node(s)"),
            JobPriorityChanged p when state.Job(p.JobId) is { } job => new JobPrioritySet(p.JobId, p.Priority,
                $"job {p.JobId}: priority {priorityBefore} -> {p.Priority}; it is {job.State.ToString().ToLowerInvariant()} with {job.Placement.Count} trainer(s)"),
            NodeDrained d when state.JobsOn(d.Address) is { Count: > 0 } jobs => new NodeDraining(d.Address, [.. jobs], $"node {d.Address} takes no more work; it finishes {string.Join(", ", jobs)}"),
            NodeDrained d => new NodeDraining(d.Address, [], $"node {d.Address} takes no more work; it trains nothing now"),
            NodeQuarantined q => new NodeQuarantineChanged(q.Node, true, $"node {q.Node} quarantined: {q.Reason}; its trainers stop, it gets no work and its contributions are dropped until 'node release'"),
            NodeReleased r => new NodeQuarantineChanged(r.Node, false, $"node {r.Node} released; its reputation starts again from a clean slate and the scheduler may give it work"),
            _ => throw new ArgumentException($"no answer for {e?.GetType().Name}", nameof(e)),
        };
    }
}
