using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core.Membership;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Commands.Dashboard;

/// <summary>A cluster member as Akka's membership sees it: its address, its status (up, leaving …) and its roles.</summary>
public sealed record ClusterMemberView(string Address, string Status, IReadOnlyList<string> Roles);

/// <summary>One member on the dashboard: membership, and what the coordinator knows of it where it registered.</summary>
public sealed record DashboardMember(
    string Address, string Status, IReadOnlyList<string> Roles, string? Region, string? Capabilities, int Slices, long Samples, double? Reputation, bool Quarantined, bool Draining);

/// <summary>One evaluation of a job: seconds since it started, samples, training loss, and accuracy or bits per character (null where not scored).</summary>
public sealed record DashboardPoint(double Seconds, long Samples, double? Loss, double? Accuracy, double? BitsPerChar);

/// <summary>One job on the dashboard.</summary>
public sealed record DashboardJob(
    string Id, string State, int Priority, string? Reason, double Seconds, long Samples, double SamplesPerSecond, double? Loss, double? Accuracy, double? BitsPerChar,
    string? Sample, long Updates, long BytesSent, string Trainers, IReadOnlyList<DashboardPoint> Curve, IReadOnlyDictionary<string, int> SlicesPerNode, bool Language);

/// <summary>
/// What the dashboard shows at one moment: every member (from the membership, with region, capabilities, slices and
/// samples from the coordinator), every job (state, priority, why it waits, its curve) and the latest events of all
/// jobs. Built by a pure function from the answers of the membership and the coordinator; NaN becomes null (JSON has none).
/// </summary>
public sealed record DashboardSnapshot(DateTime AtUtc, long Sequence, IReadOnlyList<DashboardMember> Members, IReadOnlyList<DashboardJob> Jobs, IReadOnlyList<string> Events)
{
    /// <summary>Events shown: the latest of every job's, newest last.</summary>
    public const int EventsShown = 20;

    /// <summary>The snapshot of <paramref name="members"/>, <paramref name="nodes"/> (null: the coordinator did not answer), <paramref name="jobs"/> and <paramref name="queue"/>.</summary>
    public static DashboardSnapshot Of(DateTime atUtc, long sequence, IReadOnlyList<ClusterMemberView> members, IReadOnlyList<NodeInfo>? nodes, IReadOnlyList<JobStatus> jobs, JobQueue? queue)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(jobs);
        var registered = (nodes ?? []).ToDictionary(n => n.Address, StringComparer.Ordinal);
        var shown = members.Select(m => Member(m, registered.GetValueOrDefault(m.Address), jobs))
            // a node the coordinator knows that the membership does not list (any more): shown as such
            .Concat(registered.Values.Where(n => members.All(m => m.Address != n.Address)).Select(n => Member(new ClusterMemberView(n.Address, "not a member", n.Roles), n, jobs)))
            .OrderBy(m => m.Address, StringComparer.Ordinal)
            .ToArray();
        var shownJobs = jobs.Select(j => Job(j, queue?.Jobs.FirstOrDefault(e => e.JobId == j.JobId))).ToArray();
        var events = jobs.SelectMany(j => j.Events.Select(e => $"{j.JobId}: {e}")).OrderBy(e => EventTime(e), StringComparer.Ordinal).TakeLast(EventsShown).ToArray();
        return new DashboardSnapshot(atUtc, sequence, shown, shownJobs, events);
    }

    private static DashboardMember Member(ClusterMemberView member, NodeInfo? node, IReadOnlyList<JobStatus> jobs) => new(
        member.Address,
        member.Status,
        member.Roles,
        node?.Region,
        node is null ? null : CapabilityScore.Describe(node.Capabilities),
        jobs.Sum(j => j.SlicesPerNode.GetValueOrDefault(member.Address)),
        jobs.Sum(j => j.Trainers.Where(t => t.Node == member.Address).Sum(t => t.Samples)),
        node?.Reputation,
        node?.Quarantined ?? false,
        node?.Draining ?? false);

    private static DashboardJob Job(JobStatus s, QueueEntry? entry) => new(
        s.JobId,
        Formatting.JobFormat.State(s.State),
        s.Priority,
        Formatting.JobFormat.Waiting(s, entry) ?? (s.Finished || s.State == Core.Jobs.JobState.Paused ? s.Message : null),
        Math.Round(s.ElapsedSeconds, 2),
        s.Samples,
        Math.Round(s.SamplesPerSecond, 1),
        Finite(s.Loss),
        s.Language ? null : s.Accuracy,
        Finite(s.BitsPerCharacter),
        s.Sample,
        s.Updates,
        s.BytesSent,
        Formatting.JobFormat.Trainers(entry?.Trainers ?? s.Trainers.Count, s.MinTrainers, s.MaxTrainers),
        [.. s.Curve.Select(p => new DashboardPoint(Math.Round(p.Seconds, 2), p.Samples, Finite(p.Loss), s.Language ? null : p.Accuracy, Finite(p.BitsPerCharacter)))],
        s.SlicesPerNode,
        s.Language);

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    // events begin with their time of day (HH:mm:ss.fff), after the job's id
    private static string EventTime(string e) => e.IndexOf(": ", StringComparison.Ordinal) is var colon and >= 0 ? e[(colon + 2)..] : e;
}
