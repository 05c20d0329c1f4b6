using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Core.Scheduling;

/// <summary>
/// The scheduler: from the coordinator's state and the time alone, what to do now. Jobs are served in
/// order of priority (higher first), then age (older first). Each trainer node has slots (how many jobs
/// it trains at once); a drained node's slots take no new job. In that order each job that waits gets
/// trainers when its <c>min-trainers</c> can be held: from free slots (best-scoring nodes first), then
/// from the trainers that running jobs of the same or lower priority hold above their own minimum,
/// then by preempting whole jobs of strictly lower priority (lowest and newest first) — only when that
/// is enough to reach the minimum. A placed job then grows up to <c>max-trainers</c> from free slots.
/// A trainer that stays far below its job's median speed hands its partitions to a free node, or else
/// to the job's fastest trainer.
/// Jobs end at their target or time limit, and a job whose every trainer failed ends when no registered
/// trainer node is left that could train it. Pure: the same state and time give the same decisions.
/// </summary>
public static class Scheduler
{
    /// <summary>The decisions for <paramref name="state"/> at <paramref name="nowUtc"/>, in the order to carry them out.</summary>
    public static IReadOnlyList<SchedulerDecision> Decide(CoordinatorState state, DateTime nowUtc, SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        var decisions = new List<SchedulerDecision>();
        var finishing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in state.Jobs.Where(j => j.HoldsTrainers))
        {
            var next = job.Decide(nowUtc);
            if (next != job.State)
            {
                finishing.Add(job.JobId);
                // at the target or the time limit the coordinator words the end itself (with the model's file)
                decisions.Add(new FinishJob(job.JobId, next, next == JobState.Failed ? job.StartFailure() : ""));
            }
        }

        var plan = new Allocation(state, finishing, options);
        foreach (var job in Served(state).Where(j => !plan.Out(j.JobId)))
        {
            if (job.HoldsTrainers)
            {
                TopUp(plan, job, decisions);
            }
            else
            {
                TryPlace(plan, state, job, nowUtc, options, decisions);
            }
        }

        // jobs preempted above hold nothing any more: they neither grow nor migrate in this round
        foreach (var job in Served(state).Where(j => j.HoldsTrainers && !plan.Out(j.JobId)))
        {
            Grow(plan, job, job.Spec.MaxTrainers == 0 ? int.MaxValue : job.Spec.MaxTrainers, "free capacity", decisions);
        }

        foreach (var job in state.Jobs.Where(j => j.State == JobState.Running && !plan.Out(j.JobId)))
        {
            Migrate(plan, job, nowUtc, options, decisions);
        }

        return decisions;
    }

    /// <summary>The unfinished jobs that want trainers, in the order the scheduler serves them.</summary>
    public static IEnumerable<JobRecord> Served(CoordinatorState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Jobs.Where(j => j.Schedulable).OrderByDescending(j => j.Priority).ThenBy(j => j.SubmittedUtc).ThenBy(j => j.JobId, StringComparer.Ordinal);
    }

    /// <summary>
    /// The median samples/s of a job's trainers that have trained at least the grace period (0 when
    /// fewer than two have).
    /// </summary>
    public static double MedianSpeed(JobRecord job, SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        var rates = job.Speeds.Values.Where(s => s.Trained >= options.StragglerGrace).Select(s => s.SamplesPerSecond).Where(r => r > 0).Order().ToList();
        if (rates.Count < 2)
        {
            return 0;
        }

        return rates.Count % 2 == 1 ? rates[rates.Count / 2] : (rates[(rates.Count / 2) - 1] + rates[rates.Count / 2]) / 2;
    }

    /// <summary>
    /// A node's score for training: its start-up probe (<see cref="Membership.CapabilityScore.ForTrainer"/>)
    /// times its measured speed relative to the median of each job it trains (1 where it has no measure
    /// yet), times a link factor 1 / (1 + round trip / 250 ms).
    /// </summary>
    public static double Score(CoordinatorState state, TrainerNode node, SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(options);
        var ratios = new List<double>();
        var roundTrip = 0.0;
        foreach (var job in state.Jobs)
        {
            if (job.HoldsTrainers && job.Speeds.TryGetValue(node.Address, out var speed))
            {
                var median = MedianSpeed(job, options);
                if (median > 0 && speed.Trained >= options.StragglerGrace)
                {
                    ratios.Add(speed.SamplesPerSecond / median);
                }

                roundTrip = Math.Max(roundTrip, speed.RoundTripMs);
            }
        }

        var measured = ratios.Count == 0 ? 1 : ratios.Average();
        return Math.Max(node.ProbeScore, 1e-3) * measured / (1 + (roundTrip / 250));
    }

    private static void TopUp(Allocation plan, JobRecord job, List<SchedulerDecision> decisions) =>
        Grow(plan, job, job.Spec.MinTrainers, "back to its min-trainers", decisions);

    private static void Grow(Allocation plan, JobRecord job, int upTo, string why, List<SchedulerDecision> decisions)
    {
        // a job grows only once it holds its partitions' worth of trainers or fewer; more trainers than partitions would idle
        var cap = Math.Min(upTo, job.Partitions == 0 ? int.MaxValue : job.Partitions);
        while (plan.Count(job.JobId) < cap && plan.BestFree(job) is { } node)
        {
            plan.Take(job.JobId, node);
            decisions.Add(new GrowJob(job.JobId, node, why));
        }
    }

    private static void TryPlace(Allocation plan, CoordinatorState state, JobRecord job, DateTime nowUtc, SchedulerOptions options, List<SchedulerDecision> decisions)
    {
        if (job.State == JobState.Preempted && nowUtc - job.StateSinceUtc < options.PreemptionCooldown)
        {
            return;
        }

        if (job.NoTrainerLeft() is { } none && !AnyTrainerFor(state, job))
        {
            // every trainer it had failed, and no registered trainer node is left that could train it
            plan.Finish(job.JobId);
            decisions.Add(new FinishJob(job.JobId, JobState.Failed, none));
            return;
        }

        var min = Math.Max(1, job.Spec.MinTrainers);
        var max = Math.Max(min, job.Spec.MaxTrainers == 0 ? int.MaxValue : job.Spec.MaxTrainers);
        if (job.Partitions > 0)
        {
            max = Math.Min(max, job.Partitions);
        }

        var free = plan.FreeFor(job);
        var taken = new List<SchedulerDecision>();
        if (free.Count < min)
        {
            // the nodes the job would get: the free ones, then trainers that running jobs of the same or
            // lower priority hold above their minimum, then every node of whole jobs of lower priority;
            // a node counts once (a node with two slots may be free and held at once)
            var gained = new HashSet<string>(free, StringComparer.Ordinal);
            var extras = new List<(JobRecord Job, string Node)>();
            foreach (var holder in plan.Holders(job).Where(h => h.Priority <= job.Priority && h.State == JobState.Running).OrderBy(h => h.Priority).ThenByDescending(h => h.SubmittedUtc).ThenByDescending(h => h.JobId, StringComparer.Ordinal))
            {
                var spare = plan.Count(holder.JobId) - Math.Max(1, holder.Spec.MinTrainers);
                foreach (var node in plan.Usable(holder.JobId, job))
                {
                    if (spare <= 0 || gained.Count >= min)
                    {
                        break;
                    }

                    if (gained.Add(node))
                    {
                        extras.Add((holder, node));
                        spare--;
                    }
                }

                if (gained.Count >= min)
                {
                    break;
                }
            }

            var victims = new List<JobRecord>();
            foreach (var victim in plan.Holders(job).Where(h => h.Priority < job.Priority).OrderBy(h => h.Priority).ThenByDescending(h => h.SubmittedUtc).ThenByDescending(h => h.JobId, StringComparer.Ordinal))
            {
                if (gained.Count >= min)
                {
                    break;
                }

                var before = gained.Count;
                gained.UnionWith(plan.Usable(victim.JobId, job));
                if (gained.Count > before)
                {
                    victims.Add(victim);
                }
            }

            if (gained.Count < min)
            {
                decisions.Add(new QueueJob(job.JobId, Waiting(plan, job, free.Count)));
                return;
            }

            // no shrinking that a preemption made needless: of a preempted job (it gives up every trainer
            // anyway), on a node a preempted job frees too, or beyond what the minimum needs
            var freed = new HashSet<string>(victims.SelectMany(v => plan.Usable(v.JobId, job)), StringComparer.Ordinal);
            for (var i = extras.Count - 1; i >= 0 && victims.Count > 0; i--)
            {
                if (victims.Contains(extras[i].Job) || freed.Contains(extras[i].Node))
                {
                    extras.RemoveAt(i);
                }
                else if (gained.Count > min)
                {
                    gained.Remove(extras[i].Node);
                    extras.RemoveAt(i);
                }
            }

            foreach (var (holder, node) in extras)
            {
                plan.Release(holder.JobId, node);
                taken.Add(new ShrinkJob(holder.JobId, node, $"for {job.JobId} (priority {job.Priority})"));
            }

            foreach (var victim in victims)
            {
                plan.Preempt(victim.JobId);
                taken.Add(new PreemptJob(victim.JobId, $"preempted by {job.JobId} (priority {job.Priority} over {victim.Priority}); resumes when {Math.Max(1, victim.Spec.MinTrainers)} trainer(s) can be held again"));
            }
        }

        var nodes = new List<string>();
        while (nodes.Count < max && plan.BestFree(job) is { } node)
        {
            plan.Take(job.JobId, node);
            nodes.Add(node);
        }

        // the data is cut once, at the first placement, into as many partitions as the job may ever have
        // trainers (its max-trainers, or every trainer node now); fewer trainers hold several each
        var partitions = job.Partitions > 0 ? job.Partitions : Math.Max(nodes.Count, job.Spec.MaxTrainers > 0 ? job.Spec.MaxTrainers : plan.TrainerNodes);
        decisions.AddRange(taken);
        decisions.Add(new PlaceJob(job.JobId, nodes, partitions, $"priority {job.Priority}, {nodes.Count} trainer(s) of min {min}"));
    }

    // whether some registered trainer node that is not drained could still train the job (it did not fail there)
    private static bool AnyTrainerFor(CoordinatorState state, JobRecord job)
    {
        foreach (var node in state.Nodes.Values)
        {
            if (node.Trains && !state.Draining(node.Address) && !job.CannotTrainOn(node.Address))
            {
                return true;
            }
        }

        return false;
    }

    private static string Waiting(Allocation plan, JobRecord job, int free)
    {
        var holders = plan.Holders(job).Select(h => $"{h.JobId} (priority {h.Priority}, {plan.Count(h.JobId)})").ToList();
        var why = plan.TrainerNodes == 0
            ? "no node with the trainer role has registered"
            : $"needs {job.Spec.MinTrainers} trainer(s); {free} of {plan.TotalSlots} slot(s) free for it";
        return holders.Count == 0 ? why : $"{why}; held by {string.Join(", ", holders)}";
    }

    private static void Migrate(Allocation plan, JobRecord job, DateTime nowUtc, SchedulerOptions options, List<SchedulerDecision> decisions)
    {
        var held = plan.Nodes(job.JobId);
        if (held.Count < 2)
        {
            return;
        }

        var slow = job.Speeds.Where(s => s.Value.SlowSinceUtc is { } since && nowUtc - since >= options.StragglerWindow && held.Contains(s.Key))
            .OrderBy(s => s.Value.SamplesPerSecond).ThenBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Key).FirstOrDefault();
        if (slow is null)
        {
            return;
        }

        var median = MedianSpeed(job, options);
        var rate = job.Speeds[slow].SamplesPerSecond;
        var fastest = job.Speeds.Where(s => s.Key != slow && held.Contains(s.Key) && !plan.Draining(s.Key))
            .OrderByDescending(s => s.Value.SamplesPerSecond).ThenBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Key).FirstOrDefault();
        // to a free node (the job keeps its trainer count), else to its fastest other trainer (not a
        // drained one) when the job may shrink by one
        var to = plan.BestFree(job) ?? (held.Count - 1 >= Math.Max(1, job.Spec.MinTrainers) ? fastest : null);
        if (to is null)
        {
            return;
        }

        plan.Release(job.JobId, slow);
        plan.Take(job.JobId, to);
        decisions.Add(new MigrateTrainer(job.JobId, slow, to,
            $"{rate:0.#} samples/s against the job's median {median:0.#} for {options.StragglerWindow.TotalSeconds:0} s"));
    }

    // The slots as the decisions so far leave them: which jobs hold which nodes, and what is free.
    private sealed class Allocation
    {
        private readonly CoordinatorState state;
        private readonly Dictionary<string, HashSet<string>> held = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> used = new(StringComparer.Ordinal);
        private readonly HashSet<string> gone = new(StringComparer.Ordinal);
        private readonly HashSet<(string Job, string Node)> released = [];
        private readonly List<TrainerNode> ranked;

        public Allocation(CoordinatorState state, HashSet<string> finishing, SchedulerOptions options)
        {
            this.state = state;
            gone.UnionWith(finishing);
            foreach (var job in state.Jobs.Where(j => j.HoldsTrainers && !finishing.Contains(j.JobId)))
            {
                held[job.JobId] = new HashSet<string>(job.Placement.Keys, StringComparer.Ordinal);
                foreach (var node in job.Placement.Keys)
                {
                    used[node] = used.GetValueOrDefault(node) + 1;
                }
            }

            ranked = [.. state.Nodes.Values.Where(n => n.Trains).OrderByDescending(n => Score(state, n, options)).ThenBy(n => n.Address, StringComparer.Ordinal)];
            TrainerNodes = ranked.Count;
            TotalSlots = ranked.Where(n => !state.Draining(n.Address)).Sum(n => n.Slots);
        }

        public int TrainerNodes { get; }

        public int TotalSlots { get; }

        // a job that finishes or was preempted in this round: it takes no trainers
        public bool Out(string jobId) => gone.Contains(jobId);

        public void Finish(string jobId) => gone.Add(jobId);

        public int Count(string jobId) => held.TryGetValue(jobId, out var nodes) ? nodes.Count : 0;

        public IReadOnlyCollection<string> Nodes(string jobId) => held.TryGetValue(jobId, out var nodes) ? nodes : [];

        // `job` may train on `node`: it did not fail there, does not hold it, and did not give it up in this round
        public bool Eligible(JobRecord job, string node) =>
            !job.CannotTrainOn(node) && !Nodes(job.JobId).Contains(node) && !released.Contains((job.JobId, node));

        public List<string> FreeFor(JobRecord job) => [.. ranked.Where(n => Free(n) && Eligible(job, n.Address)).Select(n => n.Address)];

        public string? BestFree(JobRecord job) => ranked.FirstOrDefault(n => Free(n) && Eligible(job, n.Address))?.Address;

        // the jobs other than `job` that hold trainers now, by the decisions so far
        public IEnumerable<JobRecord> Holders(JobRecord job) =>
            held.Where(h => h.Key != job.JobId && h.Value.Count > 0).Select(h => state.Job(h.Key)!);

        // the nodes `holder` holds that `job` could train on once `holder` lets them go (not drained), worst-ranked first
        public IEnumerable<string> Usable(string holder, JobRecord job)
        {
            var nodes = Nodes(holder);
            for (var i = ranked.Count - 1; i >= 0; i--)
            {
                var address = ranked[i].Address;
                if (nodes.Contains(address) && !state.Draining(address) && Eligible(job, address))
                {
                    yield return address;
                }
            }
        }

        public void Take(string jobId, string node)
        {
            if (!held.TryGetValue(jobId, out var nodes))
            {
                nodes = new HashSet<string>(StringComparer.Ordinal);
                held[jobId] = nodes;
            }

            if (nodes.Add(node))
            {
                used[node] = used.GetValueOrDefault(node) + 1;
            }
        }

        public void Release(string jobId, string node)
        {
            if (held.TryGetValue(jobId, out var nodes) && nodes.Remove(node))
            {
                used[node]--;
                released.Add((jobId, node));
            }
        }

        public void Preempt(string jobId)
        {
            foreach (var node in Nodes(jobId).ToList())
            {
                Release(jobId, node);
            }

            gone.Add(jobId);
        }

        // a drained node keeps its trainers but takes no more work
        public bool Draining(string node) => state.Draining(node);

        private bool Free(TrainerNode node) => !state.Draining(node.Address) && used.GetValueOrDefault(node.Address) < node.Slots;
    }
}
