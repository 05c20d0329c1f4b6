using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Reputation;

namespace EdgeTrain.Core.Scheduling;

/// <summary>
/// Everything the JobCoordinator knows, as plain state without Akka: the jobs (<see cref="JobRecord"/>),
/// the registered nodes and the drained ones, every node identity's reputation (<see cref="Reputation"/>,
/// with quarantine) and the audit log (<see cref="Audit"/>). Persisted events change it through <see cref="Apply"/>,
/// the same function for recovery and for live handling (the shape of Akka's
/// <c>ShardCoordinator.CoordinatorState.Updated</c>); what the nodes report comes in through the
/// observation methods; the scheduler's decisions (<see cref="Scheduler.Decide"/>) are carried out by
/// <see cref="Execute"/>, which says which trainers to start and stop. The actor persists, sends and
/// replies; every rule lives here and in <see cref="Scheduler"/>.
/// </summary>
public sealed class CoordinatorState
{
    private readonly Dictionary<string, JobRecord> jobs = new(StringComparer.Ordinal);
    private readonly List<JobRecord> order = [];
    private readonly Dictionary<string, TrainerNode> nodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> drained = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> identities = new(StringComparer.Ordinal);

    /// <summary>A state whose reputations are judged by <paramref name="policy"/> (the defaults when null).</summary>
    public CoordinatorState(ReputationPolicy? policy = null) => Policy = policy ?? ReputationPolicy.Default;

    /// <summary>How reputations become scores and quarantines.</summary>
    public ReputationPolicy Policy { get; }

    /// <summary>Every node identity's record (<see cref="ReputationIdentity"/>), changed only through <see cref="Apply"/>.</summary>
    public ReputationLedger Reputation { get; } = new();

    /// <summary>The audit log: every entry the journal holds, the head of the chain, the current signer.</summary>
    public AuditLog Audit { get; } = new();

    /// <summary>Every job, in the order they were submitted.</summary>
    public IReadOnlyList<JobRecord> Jobs => order;

    /// <summary>The registered nodes by address.</summary>
    public IReadOnlyDictionary<string, TrainerNode> Nodes => nodes;

    /// <summary>The job with id <paramref name="jobId"/>, or null.</summary>
    public JobRecord? Job(string jobId) => jobs.GetValueOrDefault(jobId);

    /// <summary>Whether an operator drained the node at <paramref name="address"/>.</summary>
    public bool Draining(string address) => drained.Contains(address);

    /// <summary>
    /// The reputation identity of the node at <paramref name="address"/> (<see cref="ReputationIdentity"/>):
    /// its certificate's node id once <see cref="NodeIdentified"/>, else the address itself.
    /// </summary>
    public string IdentityOf(string address) => identities.GetValueOrDefault(address, address);

    /// <summary>Whether the node at <paramref name="address"/> is quarantined (by its identity's record).</summary>
    public bool Quarantined(string address) => Reputation.IsQuarantined(IdentityOf(address));

    /// <summary>Whether the node at <paramref name="address"/> takes no new work: drained or quarantined.</summary>
    public bool TakesNoWork(string address) => Draining(address) || Quarantined(address);

    /// <summary>The reputation score of the node at <paramref name="address"/> (0.5 for a node never observed).</summary>
    public double ReputationScore(string address) => Policy.Score(Reputation.Of(IdentityOf(address)));

    /// <summary>The registered addresses of quarantined nodes, in order: what each aggregator drops.</summary>
    public string[] QuarantinedAddresses() => [.. nodes.Keys.Where(Quarantined).Order(StringComparer.Ordinal)];

    /// <summary>The addresses of registered nodes whose record makes them trusted (they work alone on shared-data units), in order.</summary>
    public string[] TrustedAddresses() => [.. nodes.Keys.Where(a => Policy.Trusted(Reputation.Of(IdentityOf(a)))).Order(StringComparer.Ordinal)];

    /// <summary>Why node identity <paramref name="node"/> should be quarantined now by the policy, or null.</summary>
    public string? QuarantineDue(string node) => Policy.QuarantineReason(Reputation.Of(node));

    /// <summary>The registered addresses whose reputation identity is <paramref name="node"/>.</summary>
    public IReadOnlyList<string> AddressesOf(string node) => [.. nodes.Keys.Where(a => IdentityOf(a) == node).Order(StringComparer.Ordinal)];

    /// <summary>The id the next submitted job of <paramref name="spec"/> gets.</summary>
    public string NextJobId(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return $"{spec.Name}-{order.Count + 1}";
    }

    /// <summary>Why a job of <paramref name="spec"/> cannot be accepted now (one of that name is unfinished), or null.</summary>
    public string? Refusal(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var running = order.FirstOrDefault(r => !r.Finished && r.Spec.Name == spec.Name);
        return running is null ? null : $"job {spec.Name} is already running as {running.JobId}";
    }

    /// <summary>The jobs on node <paramref name="address"/> now (those whose trainers it runs).</summary>
    public IReadOnlyList<string> JobsOn(string address) => [.. order.Where(j => j.Placement.ContainsKey(address)).Select(j => j.JobId)];

    /// <summary>
    /// Applies a persisted event; the same on recovery and live. <paramref name="nowUtc"/> is the time of
    /// application for what has no time of its own (on recovery the replay's time).
    /// </summary>
    public void Apply(ICoordinatorEvent e, DateTime nowUtc)
    {
        switch (e)
        {
            // a job id is submitted once; a repeated event (a journal written twice) changes nothing
            case JobSubmitted s when !jobs.ContainsKey(s.JobId):
                var record = new JobRecord(s.JobId, s.Spec, s.SliceLengths, s.SubmittedUtc);
                jobs[s.JobId] = record;
                order.Add(record);
                record.Wait(JobState.Queued, "waiting for the scheduler", s.SubmittedUtc);
                break;
            case JobEnded ended when Job(ended.JobId) is { Finished: false } job:
                job.End(ended.State, ended.Message, nowUtc);
                job.SetAccuracy(ended.Accuracy);
                break;
            case JobPaused paused when Job(paused.JobId) is { Finished: false } job:
                job.Paused(paused.AtUtc, paused.By);
                break;
            case JobResumed resumed when Job(resumed.JobId) is { State: JobState.Paused } job:
                job.Note(resumed.AtUtc, $"resumed by {resumed.By}");
                job.Resumed(resumed.AtUtc);
                break;
            case JobPriorityChanged changed when Job(changed.JobId) is { } job:
                job.Note(changed.AtUtc, $"priority {job.Priority} -> {changed.Priority} by {changed.By}");
                job.SetPriority(changed.Priority);
                break;
            case NodeDrained d:
                drained.Add(d.Address);
                break;
            case PrivacyLeased leased when Job(leased.JobId) is { } job:
                job.Spend(leased.Partitions, leased.Reserved);
                break;
            case NodeIdentified identified when IdentityOf(identified.Address) != identified.Identity:
                // what was seen of the address before its certificate was known is the identity's too
                identities[identified.Address] = identified.Identity;
                Reputation.Merge(identified.Address, identified.Identity);
                break;
            case ReputationObserved observed:
                Reputation.Record(observed.Node, observed.Delta);
                break;
            case NodeQuarantined q when !Reputation.IsQuarantined(q.Node):
                Reputation.Quarantine(q.Node, q.AtUtc, q.Reason);
                break;
            case NodeReleased released:
                Reputation.Release(released.Node);
                break;
            case AuditAppended appended:
                Audit.Add(appended.Entry);
                break;
            case CheckpointTaken c when Job(c.JobId) is { } job:
                job.AddCheckpoint(new CheckpointRecord(c.Id, c.TakenUtc, c.Label, c.Versions, c.Lengths, c.ContentHash));
                job.Note(c.TakenUtc, $"checkpoint {c.Id} taken{(c.Label is null ? "" : $" ({c.Label})")}: slice versions [{string.Join(",", c.Versions)}]");
                break;
        }
    }

    /// <summary>A node registered (again); returns true when it is new to this coordinator.</summary>
    public bool Register(TrainerNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var known = nodes.ContainsKey(node.Address);
        nodes[node.Address] = node;
        return !known;
    }

    /// <summary>
    /// A node is gone for good (left, or downed): its trainers' partitions move to the other trainers of
    /// each job; a job left with none goes back to the queue. Returns, per job, the trainers whose
    /// partitions changed; nothing when the node was not registered.
    /// </summary>
    public IReadOnlyList<TrainerChanges> Lose(string address, string why, DateTime nowUtc)
    {
        if (!nodes.Remove(address))
        {
            return [];
        }

        foreach (var job in order.Where(j => !j.Finished && j.SlicesPerNode.ContainsKey(address)))
        {
            job.Note(nowUtc, $"node {address} {why}; the {job.SlicesPerNode[address]} slice(s) it held restart on other nodes");
        }

        return Withdraw(address, why, nowUtc, stop: false);
    }

    /// <summary>
    /// A quarantined node stays a member but trains nothing: its trainers' partitions move to the other
    /// trainers of each job (a job left with none goes back to the queue), and its trainers are told to
    /// stop. Returns, per job, the trainers to restart and stop.
    /// </summary>
    public IReadOnlyList<TrainerChanges> Evict(string address, string why, DateTime nowUtc) => Withdraw(address, why, nowUtc, stop: true);

    // takes the node's trainers out of every job that places it
    private List<TrainerChanges> Withdraw(string address, string why, DateTime nowUtc, bool stop)
    {
        var changes = new List<TrainerChanges>();
        foreach (var job in order.Where(j => j.Placement.ContainsKey(address)))
        {
            var changed = job.Remove(address, nowUtc);
            if (job.Placement.Count == 0)
            {
                job.Unplace(JobState.Queued, $"its last trainer node {address} {why}; waiting for trainers", nowUtc);
                changes.Add(new TrainerChanges(job.JobId, [], stop ? [address] : []));
                continue;
            }

            job.Note(nowUtc, $"trainer node {address} {why}; partitions now {Describe(job)}");
            changes.Add(new TrainerChanges(job.JobId, job.State == JobState.Running ? changed : [], stop ? [address] : []));
        }

        return changes;
    }

    /// <summary>Why no job can start now (no node hosts parameter shards, or none aggregators), or null.</summary>
    public string? MissingRoles() =>
        !nodes.Values.Any(n => n.HostsParams) ? "no node with the params role has registered"
        : !nodes.Values.Any(n => n.HostsAggregator) ? "no node with the aggregator role has registered"
        : null;

    /// <summary>Notes a recovery or placement event on every job that holds trainers or slices.</summary>
    public void NoteAll(string text, DateTime nowUtc)
    {
        foreach (var job in order.Where(j => j.State is JobState.Running or JobState.Starting or JobState.Paused or JobState.Preempted))
        {
            job.Note(nowUtc, text);
        }
    }

    /// <summary>Notes an event on one job.</summary>
    public void Note(string jobId, string text, DateTime nowUtc) => Job(jobId)?.Note(nowUtc, text);

    /// <summary>
    /// Records a trainer's totals (per trainer <paramref name="incarnation"/> the newest report wins),
    /// its speed in the job, and whether it is a straggler by <paramref name="options"/>.
    /// </summary>
    public void Record(string jobId, TrainerReport report, string incarnation, DateTime nowUtc, SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(options);
        if (Job(jobId) is not { } job)
        {
            return;
        }

        job.Record(report, incarnation, nowUtc);
        if (job.Speeds.TryGetValue(report.Node, out var speed))
        {
            var median = Scheduler.MedianSpeed(job, options);
            var slow = median > 0 && speed.Trained >= options.StragglerGrace && speed.SamplesPerSecond < options.StragglerRatio * median;
            job.MarkSlow(report.Node, slow ? speed.SlowSinceUtc ?? nowUtc : null);
        }
    }

    /// <summary>Records an aggregator's totals (per incarnation).</summary>
    public void Record(string jobId, AggregatorReport report) => Job(jobId)?.Record(report);

    /// <summary>The shard of <paramref name="slice"/> confirmed that it holds the slice.</summary>
    public void SliceCreated(string jobId, int slice) => Job(jobId)?.SliceCreated(slice);

    /// <summary>A starting job waits for <paramref name="reason"/> (shown in its status, noted when it changes).</summary>
    public void StartWaiting(string jobId, string reason, DateTime nowUtc)
    {
        if (Job(jobId) is { State: JobState.Starting } job)
        {
            job.Wait(JobState.Starting, reason, nowUtc);
        }
    }

    /// <summary>Every slice exists and every aggregator knows the job: it trains. Returns the trainers to start.</summary>
    public TrainerChanges Started(string jobId, DateTime nowUtc)
    {
        if (Job(jobId) is not { State: JobState.Starting } job)
        {
            return TrainerChanges.None(jobId);
        }

        job.Started(nowUtc);
        job.Note(nowUtc, $"training on {Describe(job)}");
        return new TrainerChanges(jobId, [.. job.Placement.Keys], []);
    }

    /// <summary>
    /// Trainer node <paramref name="node"/> cannot train the job (its data or model does not load): its
    /// partitions move to the other trainers, and it gets none of this job again. A job left without
    /// trainers goes back to the queue (the scheduler places it on other nodes, or fails it with
    /// <see cref="JobRecord.NoTrainerLeft"/> when no registered trainer node can train it). Returns the
    /// trainers whose partitions changed.
    /// </summary>
    public TrainerChanges TrainerFailed(string jobId, string node, string reason, DateTime nowUtc)
    {
        if (Job(jobId) is not { Finished: false } job)
        {
            return TrainerChanges.None(jobId);
        }

        job.Note(nowUtc, $"trainer on {node} cannot train: {reason}");
        job.RecordFailure(node, reason);
        var changed = job.Remove(node, nowUtc);
        if (job.Placement.Count == 0 && job.HoldsTrainers)
        {
            job.Unplace(JobState.Queued, $"no trainer left ({job.NoTrainerLeft()}); waiting for a trainer node that can train it", nowUtc);
            return TrainerChanges.None(jobId);
        }

        return new TrainerChanges(jobId, job.State == JobState.Running ? changed : [], []);
    }

    /// <summary>Records an evaluation of a running job: its accuracy, or a language model's bits per character (overall and on each partition's held-out text) and sample of text.</summary>
    public void Evaluated(string jobId, double accuracy, DateTime nowUtc, double bitsPerCharacter = double.NaN, string? sample = null, IReadOnlyList<double>? partitionBits = null)
    {
        if (Job(jobId) is { State: JobState.Running } job)
        {
            job.Evaluated(accuracy, nowUtc, bitsPerCharacter, sample, partitionBits);
        }
    }

    /// <summary>
    /// The running jobs due for an evaluation at <paramref name="nowUtc"/>: one at a time per job, and one
    /// asked for more than <paramref name="timeout"/> ago that never answered is forgotten; a language model once its
    /// trainers have taken <c>evaluate-every</c> steps' samples since its last evaluation. Marks them asked.
    /// </summary>
    public IReadOnlyList<string> EvaluationsDue(DateTime nowUtc, TimeSpan timeout)
    {
        var due = new List<string>();
        foreach (var job in order.Where(j => j.State == JobState.Running && j.EvaluationDueBySamples))
        {
            if (job.EvaluationAskedUtc is not { } asked || nowUtc - asked >= timeout)
            {
                job.EvaluationAsked(nowUtc);
                due.Add(job.JobId);
            }
        }

        return due;
    }

    /// <summary>An evaluation of the job answered (or failed): the next one may be asked.</summary>
    public void EvaluationDone(string jobId) => Job(jobId)?.EvaluationAsked(null);

    /// <summary>Where a job's slices live now (slices per node address).</summary>
    public void Homed(string jobId, IReadOnlyDictionary<string, int> slicesPerNode) => Job(jobId)?.Homed(slicesPerNode);

    /// <summary>
    /// Carries out a scheduler decision: changes the job's placement and state, and returns which
    /// trainers to (re)start and stop. A <see cref="FinishJob"/> is persisted as <see cref="JobEnded"/>
    /// and applied through <see cref="Apply"/> instead; here it only says which trainers stop.
    /// </summary>
    public TrainerChanges Execute(SchedulerDecision decision, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (Job(decision.JobId) is not { Finished: false } job)
        {
            return TrainerChanges.None(decision.JobId);
        }

        switch (decision)
        {
            case PlaceJob place when place.Nodes.Count > 0 && !job.HoldsTrainers:
                job.Place([.. place.Nodes.Select(n => (n, nodes.TryGetValue(n, out var node) ? node.Region : "local"))], place.Partitions, nowUtc);
                job.Note(nowUtc, $"placed on {Names(place.Nodes)}: {place.Why}");
                return new TrainerChanges(job.JobId, [], [], StartJob: true);
            case GrowJob grow:
                {
                    var changed = job.Join(grow.Node, nowUtc);
                    if (changed.Count == 0)
                    {
                        return TrainerChanges.None(job.JobId);
                    }

                    if (nodes.TryGetValue(grow.Node, out var node))
                    {
                        job.AddRegion(node.Region);
                    }

                    job.Note(nowUtc, $"trainer node {grow.Node} added ({grow.Why}); partitions now {Describe(job)}");
                    return new TrainerChanges(job.JobId, job.State == JobState.Running ? changed : [], [], StartJob: job.State == JobState.Starting);
                }

            case ShrinkJob shrink when job.Placement.ContainsKey(shrink.Node):
                {
                    var changed = job.Remove(shrink.Node, nowUtc);
                    job.Note(nowUtc, $"trainer node {shrink.Node} taken away ({shrink.Why}); partitions now {Describe(job)}");
                    return new TrainerChanges(job.JobId, job.State == JobState.Running ? changed : [], [shrink.Node]);
                }

            case MigrateTrainer migrate when job.Placement.ContainsKey(migrate.From) && migrate.From != migrate.To:
                {
                    var changed = job.Hand(migrate.From, migrate.To, nowUtc);
                    if (nodes.TryGetValue(migrate.To, out var node))
                    {
                        job.AddRegion(node.Region);
                    }

                    job.MigratedAway(migrate.From);
                    job.Note(nowUtc, $"migrated: {migrate.From} -> {migrate.To} ({migrate.Why}); partitions now {Describe(job)}");
                    return new TrainerChanges(job.JobId, job.State == JobState.Running ? changed : [], [migrate.From]);
                }

            case PreemptJob preempt when job.HoldsTrainers:
                {
                    var stop = job.Placement.Keys.ToList();
                    job.Unplace(JobState.Preempted, preempt.Why, nowUtc);
                    return new TrainerChanges(job.JobId, [], stop);
                }

            case QueueJob queue:
                job.Wait(job.State == JobState.Preempted ? JobState.Preempted : JobState.Queued, queue.Why, nowUtc);
                return TrainerChanges.None(job.JobId);
            case FinishJob:
                return new TrainerChanges(job.JobId, [], [.. job.Placement.Keys]);
            default:
                return TrainerChanges.None(job.JobId);
        }
    }

    /// <summary>
    /// A job's placement as text: each trainer node with its partitions, the first
    /// <see cref="DescribedTrainers"/> trainers and of each the first <see cref="DescribedTrainers"/>
    /// partitions, then how many more (a job's events stay short when it trains on thousands of nodes).
    /// </summary>
    public static string Describe(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var text = string.Join("; ", job.Placement.Take(DescribedTrainers).Select(p => p.Value.Count <= DescribedTrainers
            ? $"{p.Key} [{string.Join(",", p.Value)}]"
            : $"{p.Key} [{string.Join(",", p.Value.Take(DescribedTrainers))},… {p.Value.Count} in all]"));
        return job.Placement.Count <= DescribedTrainers ? text : $"{text}; and {job.Placement.Count - DescribedTrainers} more trainers";
    }

    /// <summary>How many trainers, and partitions of each, <see cref="Describe"/> names.</summary>
    public const int DescribedTrainers = 16;

    // node addresses as text, the first DescribedTrainers of them and then how many more
    private static string Names(IReadOnlyList<string> nodes) => nodes.Count <= DescribedTrainers
        ? string.Join(", ", nodes)
        : $"{string.Join(", ", nodes.Take(DescribedTrainers))} and {nodes.Count - DescribedTrainers} more";
}
