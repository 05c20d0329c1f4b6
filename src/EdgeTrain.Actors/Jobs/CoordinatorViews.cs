using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Scheduling;
using static EdgeTrain.Actors.Jobs.AuditProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Actors.Jobs;

/// <summary>The coordinator's answers to queries, worked out from its state: what status, queue and node lists show.</summary>
public static class CoordinatorViews
{
    /// <summary>Whether <paramref name="message"/> is a query that <see cref="Answer"/> answers from the state alone.</summary>
    public static bool Answers(object message) => message is GetJobStatus or ListJobs or GetJobQueue or GetNodes or GetNodeActivity;

    /// <summary>The answer to a query (<see cref="Answers"/>) at <paramref name="nowUtc"/>.</summary>
    public static object Answer(CoordinatorState state, IReadOnlyDictionary<string, RegisterNode> registrations, object query, DateTime nowUtc, SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        return query switch
        {
            GetJobStatus get => (get.JobId is null ? state.Jobs.LastOrDefault() : state.Job(get.JobId)) is { } job ? Status(job, nowUtc) : new JobUnknown(get.JobId),
            ListJobs => new JobList([.. state.Jobs.Select(j => Status(j, nowUtc))]),
            GetJobQueue => Queue(state),
            GetNodes => Nodes(state, registrations, options),
            GetNodeActivity => Activity(state, registrations),
            _ => throw new ArgumentException($"not a query: {query?.GetType().Name}", nameof(query)),
        };
    }

    /// <summary>A job's status at <paramref name="nowUtc"/>.</summary>
    public static JobStatus Status(JobRecord job, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(job);
        var elapsed = job.Elapsed(nowUtc);
        return new JobStatus(
            job.JobId,
            job.State,
            job.Accuracy,
            job.Loss,
            job.Samples,
            elapsed > 0 ? job.Samples / elapsed : 0,
            job.BytesSent,
            job.Updates,
            elapsed,
            [.. job.Trainers.Values.OrderBy(t => t.Node, StringComparer.Ordinal).Select(t => Progress(job.JobId, t))],
            [.. job.Curve],
            job.SlicesPerNode,
            job.Message ?? (job.WaitingFor is { } reason && !job.Finished && job.State != JobState.Running ? "waiting: " + reason : null))
        {
            Events = [.. job.Events],
            Priority = job.Priority,
            MinTrainers = job.Spec.MinTrainers,
            MaxTrainers = job.Spec.MaxTrainers,
            TrainersOverTime = [.. job.TrainersOverTime],
            Votes = job.Votes,
            Split = job.Spec.Model.Split,
            BitsPerCharacter = job.BitsPerCharacter,
            Sample = job.Sample,
            TargetLoss = job.Language ? job.Spec.TargetLoss : 0,
            Language = job.Language,
            PartitionBits = job.PartitionBits,
            SecureAggregation = job.Spec.Privacy is { SecureAggregation: true } ? job.SecureAggregation ?? Core.Privacy.SecureAggregation.SecureAggregationCounts.None : null,
            Privacy = job.Spec.Privacy is { Dp: true } privacy && job.PrivacySpent is { } spent
                ? new Core.Privacy.PrivacyStatus(job.Epsilon ?? 0, privacy.Delta, privacy.TargetEpsilon, spent.Steps)
                : null,
        };
    }

    /// <summary>The scheduler's queue: every unfinished job in the order it is served, and the trainer slots.</summary>
    public static JobQueue Queue(CoordinatorState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var open = state.Nodes.Values.Where(n => n.Trains && !state.TakesNoWork(n.Address)).ToList();
        var total = open.Sum(n => n.Slots);
        var used = open.Sum(n => Math.Min(n.Slots, state.JobsOn(n.Address).Count));
        var entries = Scheduler.Served(state).Concat(state.Jobs.Where(j => j.State == JobState.Paused))
            .Select((job, i) => new QueueEntry(i + 1, job.JobId, job.Priority, job.State, job.Placement.Count, job.Spec.MinTrainers, job.Spec.MaxTrainers, job.SubmittedUtc, job.WaitingFor))
            .ToArray();
        return new JobQueue(entries, total, total - used);
    }

    /// <summary>Every registered node with its slots, jobs, drain flag, training score, reputation and quarantine, by address.</summary>
    public static NodeList Nodes(CoordinatorState state, IReadOnlyDictionary<string, RegisterNode> registrations, SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(registrations);
        return new NodeList([.. registrations.Values.OrderBy(n => n.Address, StringComparer.Ordinal).Select(n => new NodeInfo(n.Address, n.Region, n.Roles, n.Capabilities)
        {
            TrainerSlots = n.TrainerHost is null ? 0 : n.TrainerSlots,
            Jobs = [.. state.JobsOn(n.Address)],
            Draining = state.Draining(n.Address),
            Score = state.Nodes.TryGetValue(n.Address, out var node) ? Scheduler.Score(state, node, options) : 0,
            Reputation = state.ReputationScore(n.Address),
            Quarantined = state.Quarantined(n.Address),
            QuarantinedUtc = state.Reputation.Of(state.IdentityOf(n.Address)).QuarantinedUtc,
            QuarantinedAfter = state.Reputation.Of(state.IdentityOf(n.Address)).ObservedAtQuarantine,
        })]);
    }

    /// <summary>Every registered node, by address, with its contributions to all jobs and the latest of them.</summary>
    public static NodeActivityList Activity(CoordinatorState state, IReadOnlyDictionary<string, RegisterNode> registrations)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(registrations);
        return new NodeActivityList([.. registrations.Values.OrderBy(n => n.Address, StringComparer.Ordinal).Select(n => new NodeActivity(
            n.Address,
            n.Region,
            n.Roles,
            n.Capabilities,
            state.Jobs.Sum(j => j.Contributions(n.Address)),
            state.Jobs.Select(j => j.LastContribution(n.Address)).Max())
        {
            Jobs = [.. state.JobsOn(n.Address)],
            Draining = state.Draining(n.Address),
            Reputation = state.ReputationScore(n.Address),
            Quarantined = state.Quarantined(n.Address),
            Identity = state.IdentityOf(n.Address),
        })]);
    }

    /// <summary>
    /// The lost-update audit: every merged update the shards acknowledged to an aggregator of the job,
    /// and how many of them no slice holds now (from what every slice answered, or why not every one did).
    /// </summary>
    public static UpdateAudit Audit(CoordinatorState state, string jobId, IReadOnlyList<SliceApplied> slices, string? problem)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (problem is not null || state.Job(jobId) is not { } job)
        {
            return new UpdateAudit(jobId, 0, 0, problem ?? $"no job '{jobId}'");
        }

        var (acknowledged, lost) = job.Audit(slices);
        return new UpdateAudit(jobId, acknowledged, lost, null);
    }

    /// <summary>The entries <paramref name="get"/> asks for, at most <paramref name="chunkEntries"/> of them, with the log's size and head.</summary>
    public static AuditChunk AuditChunk(AuditLog log, GetAuditLog get, int chunkEntries)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(get);
        var page = log.Page(get.From, Math.Clamp(get.Max, 0, Math.Max(1, chunkEntries)));
        return new AuditChunk(get.From <= 0 ? log.Count - page.Count + 1 : get.From, [.. page], log.Count, log.Head.Hash);
    }

    /// <summary>A trainer's totals as the protocol carries them.</summary>
    public static TrainerProgress Progress(string jobId, TrainerReport t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return new TrainerProgress(jobId, t.Node, t.Region, t.Samples, t.Loss, t.Contributions, t.BytesSent, t.BusySeconds, t.PullSeconds, t.BytesPulled, t.RoundTripMs) { Privacy = t.Privacy, PeakBytes = t.PeakBytes };
    }

    /// <summary>A trainer's progress message as the coordinator's state records it.</summary>
    public static TrainerReport Report(TrainerProgress p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new TrainerReport(p.Node, p.Region, p.Samples, p.Loss, p.Contributions, p.BytesSent, p.BusySeconds, p.PullSeconds, p.BytesPulled, p.RoundTripMs) { Privacy = p.Privacy, PeakBytes = p.PeakBytes };
    }

    /// <summary>A registered node as the scheduler sees it.</summary>
    public static TrainerNode Node(RegisterNode n)
    {
        ArgumentNullException.ThrowIfNull(n);
        return new TrainerNode(n.Address, n.Region, n.TrainerHost is not null, Math.Max(1, n.TrainerSlots), Core.Membership.CapabilityScore.ForTrainer(n.Capabilities),
            n.Roles.Contains(Core.Membership.CapabilityScore.ParamsRole), n.Roles.Contains(Core.Membership.CapabilityScore.AggregatorRole));
    }
}
