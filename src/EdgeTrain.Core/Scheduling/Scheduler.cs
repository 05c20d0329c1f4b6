using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Core.Scheduling;

/// <summary>
/// The scheduler: from the coordinator's state and the time alone, what to do now. Jobs are served in
/// order of priority (higher first), then age (older first). Each trainer node has slots (how many jobs
/// it trains at once); a drained or quarantined node's slots take no new job. In that order each job that waits gets
/// trainers when its <c>min-trainers</c> can be held: from free slots (best-scoring nodes first), then
/// from the trainers that running jobs of the same or lower priority hold above their own minimum,
/// then by preempting whole jobs of strictly lower priority (lowest and newest first) — only when that
/// is enough to reach the minimum. A job that holds fewer than its minimum (a node was lost) takes them
/// the same way, or is preempted rather than run with fewer. A placed job then grows up to
/// <c>max-trainers</c> from free slots, then from what jobs of strictly lower priority hold above their
/// minimum: a reservation is kept unless a job of higher priority needs it for its own.
/// A trainer that stays far below its job's median speed hands its partitions to a free node, or else
/// to the job's fastest trainer.
/// Jobs end at their target or time limit, and a job whose every trainer failed ends when no registered
/// trainer node is left that could train it. Pure: the same state and time give the same decisions.
/// </summary>
public static class Scheduler
{
    /// <summary>The most trainers one job takes from jobs of lower priority in one round (beyond its minimum).</summary>
    public const int RebalanceStep = 16;

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
        var served = Served(state).ToList();
        foreach (var job in served)
        {
            if (plan.Out(job.JobId))
            {
                continue;
            }

            if (job.HoldsTrainers)
            {
                TopUp(plan, job, decisions);
            }
            else
            {
                TryPlace(plan, state, job, nowUtc, options, decisions);
            }
        }

        // jobs preempted above hold nothing any more: they neither grow nor migrate in this round; a job
        // grows up to its max-trainers from free slots, then from what jobs of lower priority hold above
        // their own minimum (their reservation stays theirs unless a higher job needs it for its own)
        foreach (var job in served.Where(j => !plan.Out(j.JobId) && plan.Count(j) > 0))
        {
            var max = job.Spec.MaxTrainers == 0 ? int.MaxValue : job.Spec.MaxTrainers;
            Grow(plan, job, max, "free capacity", decisions);
            GrowFromLower(plan, job, max, decisions);
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
        return job.MedianRate(options.StragglerGrace);
    }

    /// <summary>
    /// A node's score for training: its start-up probe (<see cref="Membership.CapabilityScore.ForTrainer"/>)
    /// times its measured speed relative to the median of each job it trains (1 where it has no measure
    /// yet), times a link factor 1 / (1 + round trip / 250 ms), times its reputation score
    /// (<see cref="CoordinatorState.ReputationScore"/>: 0.5 for a node never observed, towards 1 with a clean record).
    /// </summary>
    public static double Score(CoordinatorState state, TrainerNode node, SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(options);
        var measure = new Measure();
        foreach (var job in state.Jobs)
        {
            if (job.HoldsTrainers && job.Speeds.TryGetValue(node.Address, out var speed))
            {
                measure = measure.Add(speed, MedianSpeed(job, options), options);
            }
        }

        return measure.Score(node, state.ReputationScore(node.Address));
    }

    // Every node's measure at once: each job's median once, each trainer's speed once, in the order of
    // the jobs, so that each node's ratios add up exactly as Score adds them.
    private static Dictionary<string, Measure> Measures(CoordinatorState state, SchedulerOptions options)
    {
        var measures = new Dictionary<string, Measure>(state.Nodes.Count, StringComparer.Ordinal);
        foreach (var job in state.Jobs)
        {
            if (!job.HoldsTrainers || job.Speeds.Count == 0)
            {
                continue;
            }

            var median = MedianSpeed(job, options);
            foreach (var (address, speed) in job.Speeds)
            {
                measures[address] = measures.GetValueOrDefault(address).Add(speed, median, options);
            }
        }

        return measures;
    }

    // A job that holds fewer trainers than its minimum (a node was lost, or failed it) takes free slots,
    // then what a placement would take from others; when even that does not reach the minimum it is
    // preempted rather than run with fewer, and resumes like any preempted job.
    private static void TopUp(Allocation plan, JobRecord job, List<SchedulerDecision> decisions)
    {
        var min = Math.Max(1, job.Spec.MinTrainers);
        Grow(plan, job, min, "back to its min-trainers", decisions);
        var cap = Math.Min(min, job.Partitions == 0 ? int.MaxValue : job.Partitions);
        if (plan.Count(job) >= cap)
        {
            return;
        }

        var taken = new List<SchedulerDecision>();
        if (MakeRoom(plan, job, cap - plan.Count(job), taken))
        {
            decisions.AddRange(taken);
            Grow(plan, job, cap, "back to its min-trainers", decisions);
            return;
        }

        plan.Preempt(job);
        decisions.Add(new PreemptJob(job.JobId, $"holds {job.Placement.Count} of its min-trainers {min}; waits until {min} can be held again"));
    }

    // Trainers that running jobs of strictly lower priority hold above their minimum move to `job`, up to
    // `upTo`, at most RebalanceStep of them a round: each move stops a trainer and moves its partitions, so
    // a large rebalance goes on over a few rounds rather than in one burst.
    private static void GrowFromLower(Allocation plan, JobRecord job, int upTo, List<SchedulerDecision> decisions)
    {
        var cap = Math.Min(Math.Min(upTo, job.Partitions == 0 ? int.MaxValue : job.Partitions), plan.Count(job) + RebalanceStep);
        if (plan.Count(job) >= cap)
        {
            return;
        }

        foreach (var holder in plan.Holders(job).Where(h => h.Priority < job.Priority && h.State == JobState.Running).OrderBy(h => h.Priority).ThenByDescending(h => h.SubmittedUtc).ThenByDescending(h => h.JobId, StringComparer.Ordinal).ToList())
        {
            var spare = plan.Count(holder) - Math.Max(1, holder.Spec.MinTrainers);
            if (spare <= 0)
            {
                continue;
            }

            foreach (var node in plan.Worst(holder, job, Math.Min(spare, cap - plan.Count(job))))
            {
                if (spare <= 0 || plan.Count(job) >= cap)
                {
                    break;
                }

                plan.Release(holder, node);
                plan.Take(job, node);
                spare--;
                decisions.Add(new ShrinkJob(holder.JobId, node, $"for {job.JobId} (priority {job.Priority} over {holder.Priority})"));
                decisions.Add(new GrowJob(job.JobId, node, $"from {holder.JobId} (priority {holder.Priority})"));
            }
        }
    }

    private static void Grow(Allocation plan, JobRecord job, int upTo, string why, List<SchedulerDecision> decisions)
    {
        // a job grows only once it holds its partitions' worth of trainers or fewer; more trainers than partitions would idle
        var cap = Math.Min(upTo, job.Partitions == 0 ? int.MaxValue : job.Partitions);
        while (plan.Count(job) < cap && plan.BestFree(job) is { } node)
        {
            plan.Take(job, node);
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

        var free = plan.FreeFor(job, min);
        var taken = new List<SchedulerDecision>();
        if (free.Count < min && !MakeRoom(plan, job, min, taken))
        {
            decisions.Add(new QueueJob(job.JobId, Waiting(plan, job, free.Count)));
            return;
        }

        var nodes = new List<string>();
        while (nodes.Count < max && plan.BestFree(job) is { } node)
        {
            plan.Take(job, node);
            nodes.Add(node);
        }

        // the data is cut once, at the first placement, into as many partitions as the job may ever have
        // trainers (its max-trainers, or every trainer node now); fewer trainers hold several each
        var partitions = job.Partitions > 0 ? job.Partitions : Math.Max(nodes.Count, job.Spec.MaxTrainers > 0 ? job.Spec.MaxTrainers : plan.TrainerNodes);
        decisions.AddRange(taken);
        decisions.Add(new PlaceJob(job.JobId, nodes, partitions, $"priority {job.Priority}, {nodes.Count} trainer(s) of min {min}"));
    }

    // Makes `need` nodes free for `job` (counting those free already): the trainers that running jobs of
    // the same or lower priority hold above their minimum, then every node of whole jobs of strictly lower
    // priority (lowest and newest first), releasing them in the plan and adding the shrinks and preemptions
    // to `taken`. Changes nothing and returns false when even that is not enough.
    private static bool MakeRoom(Allocation plan, JobRecord job, int need, List<SchedulerDecision> taken)
    {
        // a node counts once (a node with two slots may be free and held at once); when even every
        // trainer it could take from others would not do, there is no need to pick them
        var gained = new HashSet<string>(plan.FreeFor(job, need), StringComparer.Ordinal);
        if (gained.Count + Obtainable(plan, job) < need)
        {
            return false;
        }

        var extras = new List<(JobRecord Job, string Node)>();
        foreach (var holder in plan.Holders(job).Where(h => h.Priority <= job.Priority && h.State == JobState.Running).OrderBy(h => h.Priority).ThenByDescending(h => h.SubmittedUtc).ThenByDescending(h => h.JobId, StringComparer.Ordinal))
        {
            var spare = plan.Count(holder) - Math.Max(1, holder.Spec.MinTrainers);
            foreach (var node in plan.Worst(holder, job, Math.Min(plan.Count(holder), spare + gained.Count)))
            {
                if (spare <= 0 || gained.Count >= need)
                {
                    break;
                }

                if (gained.Add(node))
                {
                    extras.Add((holder, node));
                    spare--;
                }
            }

            if (gained.Count >= need)
            {
                break;
            }
        }

        var victims = new List<JobRecord>();
        foreach (var victim in plan.Holders(job).Where(h => h.Priority < job.Priority).OrderBy(h => h.Priority).ThenByDescending(h => h.SubmittedUtc).ThenByDescending(h => h.JobId, StringComparer.Ordinal))
        {
            if (gained.Count >= need)
            {
                break;
            }

            var before = gained.Count;
            gained.UnionWith(plan.Usable(victim, job));
            if (gained.Count > before)
            {
                victims.Add(victim);
            }
        }

        if (gained.Count < need)
        {
            return false;
        }

        // no shrinking that a preemption made needless: of a preempted job (it gives up every trainer
        // anyway), on a node a preempted job frees too, or beyond what the need asks
        var freed = new HashSet<string>(victims.SelectMany(v => plan.Usable(v, job)), StringComparer.Ordinal);
        for (var i = extras.Count - 1; i >= 0 && victims.Count > 0; i--)
        {
            if (victims.Contains(extras[i].Job) || freed.Contains(extras[i].Node))
            {
                extras.RemoveAt(i);
            }
            else if (gained.Count > need)
            {
                gained.Remove(extras[i].Node);
                extras.RemoveAt(i);
            }
        }

        foreach (var (holder, node) in extras)
        {
            plan.Release(holder, node);
            taken.Add(new ShrinkJob(holder.JobId, node, $"for {job.JobId} (priority {job.Priority})"));
        }

        foreach (var victim in victims)
        {
            plan.Preempt(victim);
            taken.Add(new PreemptJob(victim.JobId, $"preempted by {job.JobId} (priority {job.Priority} over {victim.Priority}); resumes when {Math.Max(1, victim.Spec.MinTrainers)} trainer(s) can be held again"));
        }

        return true;
    }

    // At most how many trainers `job` could take from other jobs: those above their minimum of the
    // running jobs of its priority, and every one of the jobs of lower priority.
    private static int Obtainable(Allocation plan, JobRecord job)
    {
        var obtainable = 0;
        foreach (var holder in plan.Holders(job))
        {
            if (holder.Priority < job.Priority)
            {
                obtainable += plan.Count(holder);
            }
            else if (holder.Priority == job.Priority && holder.State == JobState.Running)
            {
                obtainable += Math.Max(0, plan.Count(holder) - Math.Max(1, holder.Spec.MinTrainers));
            }
        }

        return obtainable;
    }

    // whether some registered trainer node that is not drained could still train the job (it did not fail there)
    private static bool AnyTrainerFor(CoordinatorState state, JobRecord job)
    {
        foreach (var node in state.Nodes.Values)
        {
            if (node.Trains && !state.TakesNoWork(node.Address) && !job.CannotTrainOn(node.Address))
            {
                return true;
            }
        }

        return false;
    }

    private static string Waiting(Allocation plan, JobRecord job, int free)
    {
        var holders = plan.Holders(job).Select(h => $"{h.JobId} (priority {h.Priority}, {plan.Count(h)})").ToList();
        var why = plan.TrainerNodes == 0
            ? "no node with the trainer role has registered"
            : $"needs {job.Spec.MinTrainers} trainer(s); {free} of {plan.TotalSlots} slot(s) free for it";
        return holders.Count == 0 ? why : $"{why}; held by {string.Join(", ", holders)}";
    }

    private static void Migrate(Allocation plan, JobRecord job, DateTime nowUtc, SchedulerOptions options, List<SchedulerDecision> decisions)
    {
        if (plan.Count(job) < 2)
        {
            return;
        }

        // the slowest straggler past its window, and the fastest other trainer (ties: the first address)
        string? slow = null;
        var slowest = double.PositiveInfinity;
        foreach (var (address, speed) in job.Speeds)
        {
            if (speed.SlowSinceUtc is { } since && nowUtc - since >= options.StragglerWindow && plan.Holds(job, address)
                && (speed.SamplesPerSecond < slowest || (speed.SamplesPerSecond == slowest && string.CompareOrdinal(address, slow) < 0)))
            {
                (slow, slowest) = (address, speed.SamplesPerSecond);
            }
        }

        if (slow is null)
        {
            return;
        }

        string? fastest = null;
        var best = double.NegativeInfinity;
        foreach (var (address, speed) in job.Speeds)
        {
            // the cheap test first: only a faster one is looked up
            var rate = speed.SamplesPerSecond;
            if ((rate > best || (rate == best && string.CompareOrdinal(address, fastest) < 0))
                && address != slow && plan.Holds(job, address) && !plan.Draining(address))
            {
                (fastest, best) = (address, rate);
            }
        }

        var median = MedianSpeed(job, options);
        // to a free node (the job keeps its trainer count), else to its fastest other trainer (not a
        // drained one) when the job may shrink by one
        var to = plan.BestFree(job) ?? (plan.Count(job) - 1 >= Math.Max(1, job.Spec.MinTrainers) ? fastest : null);
        if (to is null)
        {
            return;
        }

        plan.Release(job, slow);
        plan.Take(job, to);
        decisions.Add(new MigrateTrainer(job.JobId, slow, to,
            $"{slowest:0.#} samples/s against the job's median {median:0.#} for {options.StragglerWindow.TotalSeconds:0} s"));
    }

    // A node's measured speed over the jobs it trains: the sum and number of its speed ratios to each
    // job's median (where both are known), and its longest round trip.
    private readonly record struct Measure(double Ratios, int Count, double RoundTripMs)
    {
        public Measure Add(TrainerSpeed speed, double median, SchedulerOptions options) => new(
            median > 0 && speed.Trained >= options.StragglerGrace ? Ratios + (speed.SamplesPerSecond / median) : Ratios,
            median > 0 && speed.Trained >= options.StragglerGrace ? Count + 1 : Count,
            Math.Max(RoundTripMs, speed.RoundTripMs));

        // reputation: the node's score under the reputation policy, 0.5 for a node never observed
        public double Score(TrainerNode node, double reputation) =>
            Math.Max(node.ProbeScore, 1e-3) * (Count == 0 ? 1 : Ratios / Count) / (1 + (RoundTripMs / 250)) * reputation;
    }

    // The slots as the decisions so far leave them: which jobs hold which nodes, and what is free. Only
    // the nodes with a free slot are ranked (best score first, then address), those free when the round
    // begins and those a release frees: a node that is full now never becomes free by a take, so the
    // best free node is always among them. Per job a cursor marks the rank below which no node is free
    // for it; only a release moves it back.
    private sealed class Allocation
    {
        private readonly CoordinatorState state;
        private readonly SchedulerOptions options;
        private readonly HashSet<string> finishing;
        private readonly HashSet<string> gone = new(StringComparer.Ordinal);
        private readonly List<JobRecord> holders = [];
        private readonly Dictionary<string, HashSet<string>> changed = new(StringComparer.Ordinal);
        private readonly HashSet<(string Job, string Node)> released = [];
        private readonly Dictionary<string, int> used;
        private readonly Dictionary<string, double> scores = new(StringComparer.Ordinal);
        private readonly List<TrainerNode> free = [];
        private readonly Dictionary<string, Cursor> cursors = new(StringComparer.Ordinal);
        private readonly Comparer<TrainerNode> ranking;
        private int? totalSlots;
        private bool measuredAll;

        public Allocation(CoordinatorState state, HashSet<string> finishing, SchedulerOptions options)
        {
            this.state = state;
            this.options = options;
            this.finishing = finishing;
            used = new Dictionary<string, int>(state.Nodes.Count, StringComparer.Ordinal);
            ranking = Comparer<TrainerNode>.Create((a, b) => Score(b).CompareTo(Score(a)) is var order && order != 0 ? order : string.CompareOrdinal(a.Address, b.Address));
            gone.UnionWith(finishing);
            foreach (var job in state.Jobs)
            {
                if (job.HoldsTrainers && !finishing.Contains(job.JobId))
                {
                    holders.Add(job);
                    foreach (var node in job.Placement.Keys)
                    {
                        used[node] = used.GetValueOrDefault(node) + 1;
                    }
                }
            }

            foreach (var node in state.Nodes.Values)
            {
                if (node.Trains)
                {
                    TrainerNodes++;
                    if (Free(node))
                    {
                        free.Add(node);
                    }
                }
            }

            Rank(free);
        }

        public int TrainerNodes { get; }

        public int TotalSlots => totalSlots ??= state.Nodes.Values.Where(n => n.Trains && !state.TakesNoWork(n.Address)).Sum(n => n.Slots);

        // a job that finishes or was preempted in this round: it takes no trainers
        public bool Out(string jobId) => gone.Contains(jobId);

        public void Finish(string jobId) => gone.Add(jobId);

        public int Count(JobRecord job) => changed.TryGetValue(job.JobId, out var nodes) ? nodes.Count : Holding(job) ? job.Placement.Count : 0;

        public bool Holds(JobRecord job, string node) => changed.TryGetValue(job.JobId, out var nodes) ? nodes.Contains(node) : Holding(job) && job.Placement.ContainsKey(node);

        // a drained node keeps its trainers but takes no more work
        public bool Draining(string node) => state.TakesNoWork(node);

        // `job` may train on `node`: it did not fail there, does not hold it, and did not give it up in this round
        public bool Eligible(JobRecord job, string node) =>
            !job.CannotTrainOn(node) && !Holds(job, node) && (released.Count == 0 || !released.Contains((job.JobId, node)));

        // the best free nodes `job` may train on, at most `limit` of them
        public List<string> FreeFor(JobRecord job, int limit)
        {
            var found = new List<string>();
            for (var i = Cursor(job).At; i < free.Count && found.Count < limit; i++)
            {
                if (Free(free[i]) && Eligible(job, free[i].Address))
                {
                    found.Add(free[i].Address);
                }
            }

            return found;
        }

        public string? BestFree(JobRecord job)
        {
            var cursor = Cursor(job);
            while (cursor.At < free.Count && !(Free(free[cursor.At]) && Eligible(job, free[cursor.At].Address)))
            {
                cursor.At++;
            }

            return cursor.At < free.Count ? free[cursor.At].Address : null;
        }

        // the jobs other than `job` that hold trainers now, by the decisions so far
        public IEnumerable<JobRecord> Holders(JobRecord job) => holders.Where(h => h != job && Count(h) > 0);

        // the trainer nodes `holder` holds that `job` could train on once `holder` lets them go (not drained), in no order
        public List<string> Usable(JobRecord holder, JobRecord job)
        {
            var usable = new List<string>(Count(holder));
            foreach (var address in Nodes(holder))
            {
                if (state.Nodes.TryGetValue(address, out var node) && node.Trains && !state.TakesNoWork(address) && Eligible(job, address))
                {
                    usable.Add(address);
                }
            }

            return usable;
        }

        // the `count` worst of Usable(holder, job) (by score, then address), worst first, without ranking them all
        public List<string> Worst(JobRecord holder, JobRecord job, int count)
        {
            if (count <= 0)
            {
                return [];
            }

            // a heap of the worst `count` seen so far, its root the best of them (the first to give way)
            var kept = new PriorityQueue<TrainerNode, TrainerNode>(count + 1, ranking);
            foreach (var address in Nodes(holder))
            {
                if (state.Nodes.TryGetValue(address, out var node) && node.Trains && !state.TakesNoWork(address) && Eligible(job, address))
                {
                    kept.Enqueue(node, node);
                    if (kept.Count > count)
                    {
                        kept.Dequeue();
                    }
                }
            }

            var worst = new List<string>(kept.Count);
            while (kept.Count > 0)
            {
                worst.Add(kept.Dequeue().Address);
            }

            worst.Reverse();
            return worst;
        }

        public void Take(JobRecord job, string node)
        {
            if (!Holding(job) && !changed.ContainsKey(job.JobId))
            {
                holders.Add(job);
            }

            if (Changing(job).Add(node))
            {
                used[node] = used.GetValueOrDefault(node) + 1;
            }
        }

        public void Release(JobRecord job, string node)
        {
            if (!Changing(job).Remove(node))
            {
                return;
            }

            released.Add((job.JobId, node));
            used[node] = used.GetValueOrDefault(node) - 1;
            if (!state.Nodes.TryGetValue(node, out var trainer) || !trainer.Trains || !Free(trainer))
            {
                return;
            }

            // the node is free now: list it in its place, and no cursor stays past it
            var at = free.BinarySearch(trainer, ranking);
            if (at < 0)
            {
                at = ~at;
                free.Insert(at, trainer);
            }

            foreach (var cursor in cursors.Values)
            {
                cursor.At = Math.Min(cursor.At, at);
            }
        }

        public void Preempt(JobRecord job)
        {
            foreach (var node in Nodes(job).ToList())
            {
                Release(job, node);
            }

            gone.Add(job.JobId);
        }

        // sorts nodes best first: by score (higher first), then by address
        private void Rank(List<TrainerNode> nodes)
        {
            // score them one by one when they are few, else every measured node at once
            if (!measuredAll && nodes.Count * holders.Count > used.Count)
            {
                measuredAll = true;
                foreach (var (address, measure) in Measures(state, options))
                {
                    scores[address] = state.Nodes.TryGetValue(address, out var node) ? measure.Score(node, state.ReputationScore(address)) : 0;
                }
            }

            var keyed = new (double Score, TrainerNode Node)[nodes.Count];
            for (var i = 0; i < keyed.Length; i++)
            {
                keyed[i] = (Score(nodes[i]), nodes[i]);
            }

            Array.Sort(keyed, static (a, b) => b.Score.CompareTo(a.Score) is var order && order != 0 ? order : string.CompareOrdinal(a.Node.Address, b.Node.Address));
            for (var i = 0; i < keyed.Length; i++)
            {
                nodes[i] = keyed[i].Node;
            }
        }

        // a node's score, once per round (Scheduler.Score; a node no job measured scores its probe alone)
        private double Score(TrainerNode node)
        {
            if (!scores.TryGetValue(node.Address, out var score))
            {
                score = measuredAll ? default(Measure).Score(node, state.ReputationScore(node.Address)) : Scheduler.Score(state, node, options);
                scores[node.Address] = score;
            }

            return score;
        }

        // whether the job held its placement when the round began (and does not finish in it)
        private bool Holding(JobRecord job) => job.HoldsTrainers && !finishing.Contains(job.JobId);

        private IEnumerable<string> Nodes(JobRecord job) => changed.TryGetValue(job.JobId, out var nodes) ? nodes : Holding(job) ? job.Placement.Keys : [];

        // the job's nodes as this round changes them: a copy of its placement on its first change
        private HashSet<string> Changing(JobRecord job)
        {
            if (!changed.TryGetValue(job.JobId, out var nodes))
            {
                nodes = new HashSet<string>(Nodes(job), StringComparer.Ordinal);
                changed[job.JobId] = nodes;
            }

            return nodes;
        }

        private Cursor Cursor(JobRecord job)
        {
            if (!cursors.TryGetValue(job.JobId, out var cursor))
            {
                cursor = new Cursor();
                cursors[job.JobId] = cursor;
            }

            return cursor;
        }

        private bool Free(TrainerNode node) => !state.TakesNoWork(node.Address) && used.GetValueOrDefault(node.Address) < node.Slots;
    }

    private sealed class Cursor
    {
        public int At { get; set; }
    }
}
