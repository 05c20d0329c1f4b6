using System.Diagnostics;
using System.Globalization;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Scheduling;

namespace EdgeTrain.Seed.Bench;

/// <summary>One simulated run: how many trainer nodes and jobs, how long things happen, and the seed of everything random.</summary>
/// <param name="Trainers">Trainer nodes; a fifth are there at the start, the rest join in the first quarter of the run.</param>
/// <param name="Jobs">Jobs, submitted over the first half of the run.</param>
/// <param name="Seconds">Simulated seconds in which nodes join, leave, straggle and jobs arrive; the run then goes on until every job has ended.</param>
/// <param name="Seed">Seed of the nodes, jobs and their schedule: the same seed gives the same run and the same decisions.</param>
internal sealed record SimulationSettings(int Trainers, int Jobs, int Seconds = 120, int Seed = 1);

/// <summary>What a simulated run did and how long the scheduler took for it.</summary>
/// <param name="Settings">The run.</param>
/// <param name="SimulatedSeconds">Simulated seconds until every job had ended (or the run gave up).</param>
/// <param name="Rounds">One scheduler round per simulated second: the Decide call plus carrying its decisions out.</param>
/// <param name="DecideOnly">The Decide calls alone.</param>
/// <param name="Records">Each trainer report recorded (<see cref="CoordinatorState.Record(string, TrainerReport, string, DateTime, SchedulerOptions)"/>).</param>
/// <param name="Decisions">Decisions made, by kind.</param>
/// <param name="StateBytes">Managed memory the coordinator state held at mid-run (every node joined, every job submitted).</param>
/// <param name="AllocatedPerRound">Bytes allocated on average by one round.</param>
/// <param name="PeakTrainers">The most trainers placed at once, over all jobs.</param>
/// <param name="Ends">How the jobs ended, by state (Running, Queued… for a job that did not end).</param>
/// <param name="Violations">Broken invariants (a node above its slots, a job that did not end, …), at most 20, each with its time.</param>
/// <param name="Digest">A hash of every decision with its reason and time: equal digests, equal decisions.</param>
/// <param name="Collected">The garbage collections of the run (the two taken to measure the state's memory among them).</param>
internal sealed record SimulationResult(
    SimulationSettings Settings,
    int SimulatedSeconds,
    LatencyHistogram Rounds,
    LatencyHistogram DecideOnly,
    LatencyHistogram Records,
    IReadOnlyDictionary<string, int> Decisions,
    long StateBytes,
    double AllocatedPerRound,
    int PeakTrainers,
    IReadOnlyDictionary<JobState, int> Ends,
    IReadOnlyList<string> Violations,
    string Digest,
    Collections Collected);

/// <summary>Garbage collections of each generation during a run, and how many of the gen-0 ones fell within a timed round.</summary>
internal sealed record Collections(int Gen0, int Gen1, int Gen2, int DuringRounds);

/// <summary>
/// The coordinator's scheduling loop without network or actors: the real <see cref="CoordinatorState"/>
/// and <see cref="Scheduler"/> driven through simulated trainer nodes (probe scores and speeds that
/// vary, one or two slots) and jobs of varied priority and min/max-trainers, on a simulated clock
/// that ticks a second at a time and never sleeps. Each tick nodes join, leave (half come back),
/// straggle or are drained as their schedule says, jobs are submitted, jobs placed a tick earlier
/// start (their slices exist), every trainer reports its totals, jobs are evaluated every other
/// second, and the scheduler decides and its decisions are carried out as the coordinator actor
/// does. The Decide calls, the rounds and the Record calls are timed; the invariants are checked
/// every tick.
/// </summary>
internal static class SchedulerSimulation
{
    private const int MaxViolations = 20;
    private static readonly DateTime Start = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// Runs the simulation; <paramref name="observe"/> sees the state after every tick, and
    /// <paramref name="round"/> each round: its simulated second, the wall-clock seconds of its Decide and of
    /// carrying its decisions out, the garbage collections during it, and its decisions.
    /// </summary>
    public static SimulationResult Run(SimulationSettings settings, Action<DateTime, CoordinatorState>? observe = null, Action<int, double, double, int, IReadOnlyList<SchedulerDecision>>? round = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = SchedulerOptions.Default;
        var world = World.Create(settings);
        var rounds = new LatencyHistogram();
        var decideOnly = new LatencyHistogram();
        var records = new LatencyHistogram();
        var decisions = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var violations = new List<string>();
        var violationCount = 0;
        var toStart = new List<string>();
        var digest = 14695981039346656037UL;
        long allocated = 0;
        var roundCollections = 0;
        var collectionsAtStart = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var peak = 0;
        var memoryTick = (settings.Seconds + 1) / 2;
        var lastTick = settings.Seconds * 20;

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = GC.GetTotalMemory(true);
        var state = new CoordinatorState();
        long stateBytes = 0;
        var tick = 0;
        for (; tick <= lastTick; tick++)
        {
            var now = Start.AddSeconds(tick);
            if (tick < world.Events.Length)
            {
                foreach (var e in world.Events[tick])
                {
                    world.Happen(e, state, now);
                }
            }

            foreach (var jobId in toStart)
            {
                state.Started(jobId, now);
            }

            toStart.Clear();
            Train(world, state, tick, now, options, records);
            if (tick % 2 == 0)
            {
                foreach (var job in state.Jobs)
                {
                    if (job.State == JobState.Running)
                    {
                        state.Evaluated(job.JobId, world.Accuracy(job), now);
                    }
                }
            }

            // one round: decide, carry out, persist the ends (timed); then check and count (not timed)
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var collectionsBefore = GC.CollectionCount(0);
            var started = Stopwatch.GetTimestamp();
            var made = Scheduler.Decide(state, now, options);
            var decided = Stopwatch.GetTimestamp();
            foreach (var decision in made)
            {
                state.Execute(decision, now);
                if (decision is FinishJob finish)
                {
                    state.Apply(new JobEnded(finish.JobId, finish.State, state.Job(finish.JobId)?.Accuracy ?? 0, finish.Why), now);
                }
            }

            var done = Stopwatch.GetTimestamp();
            allocated += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            decideOnly.Add(decided - started);
            rounds.Add(done - started);
            var collections = GC.CollectionCount(0) - collectionsBefore;
            roundCollections += collections;
            round?.Invoke(tick, (decided - started) / (double)Stopwatch.Frequency, (done - decided) / (double)Stopwatch.Frequency, collections, made);
            foreach (var decision in made)
            {
                var text = Describe(decision);
                decisions[decision.GetType().Name] = decisions.GetValueOrDefault(decision.GetType().Name) + 1;
                digest = Fnv(digest, string.Create(CultureInfo.InvariantCulture, $"{tick}|{text}|{decision.Why}\n"));
                if (decision is PlaceJob place)
                {
                    toStart.Add(place.JobId);
                }

                foreach (var target in Targets(decision))
                {
                    if (state.Draining(target))
                    {
                        Violate($"{text}: {target} is drained");
                    }
                }
            }

            peak = Math.Max(peak, Check(world, state, Violate));
            observe?.Invoke(now, state);
            if (tick == memoryTick)
            {
                stateBytes = GC.GetTotalMemory(true) - baseline;
            }

            if (tick >= settings.Seconds && state.Jobs.Count == settings.Jobs && state.Jobs.All(j => j.Finished))
            {
                break;
            }

            void Violate(string what)
            {
                if (violationCount++ < MaxViolations)
                {
                    violations.Add(string.Create(CultureInfo.InvariantCulture, $"t={tick}s: {what}"));
                }
            }
        }

        var simulated = Math.Min(tick, lastTick);
        var ends = state.Jobs.GroupBy(j => j.State).ToDictionary(g => g.Key, g => g.Count());
        foreach (var job in state.Jobs.Where(j => !j.Finished))
        {
            if (violationCount++ < MaxViolations)
            {
                violations.Add(string.Create(CultureInfo.InvariantCulture, $"t={simulated}s: job {job.JobId} did not end ({job.State}: {job.WaitingFor})"));
            }
        }

        if (state.Jobs.Count < settings.Jobs)
        {
            violations.Add($"only {state.Jobs.Count} of {settings.Jobs} jobs were submitted");
        }

        GC.KeepAlive(state);
        var collected = new Collections(
            GC.CollectionCount(0) - collectionsAtStart.Item1,
            GC.CollectionCount(1) - collectionsAtStart.Item2,
            GC.CollectionCount(2) - collectionsAtStart.Item3,
            roundCollections);
        return new SimulationResult(settings, simulated, rounds, decideOnly, records, decisions, stateBytes,
            rounds.Count == 0 ? 0 : allocated / (double)rounds.Count, peak, ends, violations, digest.ToString("x16", CultureInfo.InvariantCulture), collected);
    }

    /// <summary>A decision as one line: its kind, job and nodes.</summary>
    public static string Describe(SchedulerDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return decision switch
        {
            PlaceJob p => $"place {p.JobId} on {string.Join(",", p.Nodes)} ({p.Partitions} partitions)",
            GrowJob g => $"grow {g.JobId} onto {g.Node}",
            ShrinkJob s => $"shrink {s.JobId} off {s.Node}",
            PreemptJob p => $"preempt {p.JobId}",
            MigrateTrainer m => $"migrate {m.JobId} from {m.From} to {m.To}",
            QueueJob q => $"queue {q.JobId}",
            FinishJob f => $"finish {f.JobId} {f.State}",
            _ => $"{decision.GetType().Name} {decision.JobId}",
        };
    }

    // the nodes a decision gives work to
    private static IReadOnlyList<string> Targets(SchedulerDecision decision) => decision switch
    {
        PlaceJob p => p.Nodes,
        GrowJob g => [g.Node],
        MigrateTrainer m => [m.To],
        _ => [],
    };

    // Every trainer of every running job reports its totals; a trainer that is no longer placed is gone,
    // and one placed again starts a new incarnation that counts from zero.
    private static void Train(World world, CoordinatorState state, int tick, DateTime now, SchedulerOptions options, LatencyHistogram records)
    {
        foreach (var job in state.Jobs)
        {
            if (job.State != JobState.Running)
            {
                continue;
            }

            var loss = 2.3 * Math.Exp(-3 * job.Samples / world.Needed(job.JobId));
            foreach (var address in job.Placement.Keys)
            {
                var node = world.Node(address);
                var trainer = node.Trainer(job.JobId, tick);
                trainer.Samples += node.Speed * node.Pace / Math.Max(1, node.Trainers.Count);
                var samples = (long)trainer.Samples;
                var report = new TrainerReport(address, node.Region, samples, loss, samples / 64, samples * 3_200, samples / node.Speed, 0.05 * tick, samples * 12_800, 5 + (node.Index % 40));
                var started = Stopwatch.GetTimestamp();
                state.Record(job.JobId, report, trainer.Incarnation, now, options);
                records.Add(Stopwatch.GetTimestamp() - started);
            }
        }

        world.Sweep(tick);
    }

    // The invariants after a tick; returns the number of trainers placed.
    private static int Check(World world, CoordinatorState state, Action<string> violate)
    {
        var trainers = 0;
        world.ClearHeld();
        foreach (var job in state.Jobs)
        {
            if (job.Spec.MaxTrainers > 0 && job.Placement.Count > job.Spec.MaxTrainers)
            {
                violate($"{job.JobId} holds {job.Placement.Count} trainers, above its max-trainers {job.Spec.MaxTrainers}");
            }

            if (job.Placement.Count > 0 && !job.HoldsTrainers)
            {
                violate($"{job.JobId} is {job.State} but holds {job.Placement.Count} trainers");
            }

            foreach (var address in job.Placement.Keys)
            {
                trainers++;
                if (!state.Nodes.TryGetValue(address, out var registered))
                {
                    violate($"{job.JobId} trains on {address}, which is not registered");
                    continue;
                }

                var node = world.Node(address);
                if (++node.Held > registered.Slots)
                {
                    violate($"{address} trains {node.Held} jobs with {registered.Slots} slot(s)");
                }
            }
        }

        return trainers;
    }

    private static ulong Fnv(ulong hash, string text)
    {
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    private enum Happening
    {
        Join,
        Leave,
        Straggle,
        Drain,
        Submit,
    }

    private readonly record struct Event(Happening What, int Index);

    // A simulated trainer node and the trainers it runs.
    private sealed class SimNode(int index, string address, string region, int slots, double probe, double speed)
    {
        public int Index { get; } = index;

        public string Address { get; } = address;

        public string Region { get; } = region;

        public int Slots { get; } = slots;

        public double Probe { get; } = probe;

        // samples per second when it trains one job
        public double Speed { get; } = speed;

        // 1, or 0.1 once it straggles
        public double Pace { get; set; } = 1;

        public List<SimTrainer> Trainers { get; } = new(2);

        public int Held { get; set; }

        public int Incarnations { get; set; }

        public SimTrainer Trainer(string jobId, int tick)
        {
            foreach (var trainer in Trainers)
            {
                if (trainer.JobId == jobId)
                {
                    trainer.Tick = tick;
                    return trainer;
                }
            }

            var started = new SimTrainer(jobId, string.Create(CultureInfo.InvariantCulture, $"{Address}/{jobId}#{++Incarnations}")) { Tick = tick };
            Trainers.Add(started);
            return started;
        }
    }

    private sealed class SimTrainer(string jobId, string incarnation)
    {
        public string JobId { get; } = jobId;

        public string Incarnation { get; } = incarnation;

        public double Samples { get; set; }

        public int Tick { get; set; }
    }

    // The nodes and jobs of a run and, per simulated second, what happens then.
    private sealed class World
    {
        private readonly Dictionary<string, SimNode> byAddress = new(StringComparer.Ordinal);
        private readonly Dictionary<string, double> needed = new(StringComparer.Ordinal);

        private World(SimNode[] nodes, (string Id, JobSpec Spec, double Needed)[] jobs, List<Event>[] events)
        {
            Nodes = nodes;
            Jobs = jobs;
            Events = events;
            foreach (var node in nodes)
            {
                byAddress[node.Address] = node;
            }

            foreach (var job in jobs)
            {
                needed[job.Id] = job.Needed;
            }
        }

        public SimNode[] Nodes { get; }

        public (string Id, JobSpec Spec, double Needed)[] Jobs { get; }

        public List<Event>[] Events { get; }

        public static World Create(SimulationSettings settings)
        {
            var random = new Random(settings.Seed);
            var seconds = settings.Seconds;
            var events = new List<Event>[seconds + 1];
            for (var t = 0; t <= seconds; t++)
            {
                events[t] = [];
            }

            void At(double second, Happening what, int index) => events[Math.Clamp((int)second, 0, seconds)].Add(new Event(what, index));

            var nodes = new SimNode[settings.Trainers];
            var meanSpeed = 0.0;
            for (var i = 0; i < nodes.Length; i++)
            {
                // probe scores from 0.5 to 5; speed follows the probe loosely (the probe is a guess)
                var probe = Math.Round(0.5 + (4.5 * random.NextDouble() * random.NextDouble()), 3);
                var speed = Math.Round(probe * 60 * (0.6 + (0.8 * random.NextDouble())), 1);
                meanSpeed += speed / nodes.Length;
                nodes[i] = new SimNode(i, string.Create(CultureInfo.InvariantCulture, $"node-{i:00000}"), $"region-{i % 4}",
                    random.NextDouble() < 0.25 ? 2 : 1, probe, speed);
                At(i < nodes.Length / 5 ? 0 : 1 + (random.NextDouble() * seconds / 4), Happening.Join, i);
                var fate = random.NextDouble();
                if (fate < 0.05)
                {
                    var leave = seconds * (0.3 + (0.6 * random.NextDouble()));
                    At(leave, Happening.Leave, i);
                    if (fate < 0.025)
                    {
                        At(leave + 10, Happening.Join, i);
                    }
                }
                else if (fate < 0.10)
                {
                    At(seconds * (0.2 + (0.6 * random.NextDouble())), Happening.Straggle, i);
                }
                else if (fate < 0.11)
                {
                    At(seconds * (0.3 + (0.4 * random.NextDouble())), Happening.Drain, i);
                }
            }

            var jobs = new (string, JobSpec, double)[settings.Jobs];
            var share = Math.Max(1, settings.Trainers / settings.Jobs);
            for (var j = 0; j < jobs.Length; j++)
            {
                // together the jobs want more than the cluster has: they queue, shrink and preempt each other
                var min = 1 + random.Next(Math.Max(1, share * 3));
                var max = random.NextDouble() < 0.25 ? 0 : min + random.Next((2 * min) + 1);
                var expected = max == 0 ? share : (min + max) / 2.0;
                var duration = seconds * (0.3 + (0.6 * random.NextDouble()));
                var name = string.Create(CultureInfo.InvariantCulture, $"job-{j:000}");
                var spec = new JobSpec(name,
                    new ModelSpec(ModelKind.Mlp, [128], [], 0),
                    new DataSpec("mnist", "samples/data/mnist-10k", PartitioningKind.Iid, 0),
                    new OptimizerSpec(OptimizerKind.Adam, 0.001, 0, 0),
                    BatchSize: 64,
                    MaxEpochs: 10,
                    TargetAccuracy: 0.9,
                    TimeLimit: TimeSpan.FromSeconds(Math.Round(duration * 2)),
                    SliceFloats: 262_144,
                    Seed: j,
                    Priority: random.Next(4),
                    MinTrainers: min,
                    MaxTrainers: max);
                jobs[j] = (name, spec, expected * meanSpeed * duration);
                At(j == 0 ? 0 : random.NextDouble() * seconds / 2, Happening.Submit, j);
            }

            return new World(nodes, jobs, events);
        }

        public SimNode Node(string address) => byAddress[address];

        public double Needed(string jobId) => needed[jobId];

        // accuracy climbs with the samples trained, to 0.95 at the job's needed samples (its target is 0.9)
        public double Accuracy(JobRecord job) => 0.95 * Math.Min(1, job.Samples / needed[job.JobId]);

        public void Happen(Event e, CoordinatorState state, DateTime now)
        {
            switch (e.What)
            {
                case Happening.Join:
                    var node = Nodes[e.Index];
                    state.Register(new TrainerNode(node.Address, node.Region, true, node.Slots, node.Probe, true, node.Index % 10 == 0));
                    break;
                case Happening.Leave:
                    state.Lose(Nodes[e.Index].Address, "left", now);
                    Nodes[e.Index].Trainers.Clear();
                    break;
                case Happening.Straggle:
                    Nodes[e.Index].Pace = 0.1;
                    break;
                case Happening.Drain:
                    state.Apply(new NodeDrained(Nodes[e.Index].Address, now, "bench"), now);
                    break;
                case Happening.Submit:
                    var (id, spec, _) = Jobs[e.Index];
                    state.Apply(new JobSubmitted(id, spec, [262_144, 262_144, 100_000], now), now);
                    break;
            }
        }

        // trainers that did not train in this tick are gone (their job let the node go)
        public void Sweep(int tick)
        {
            foreach (var node in Nodes)
            {
                if (node.Trainers.Count > 0)
                {
                    node.Trainers.RemoveAll(t => t.Tick != tick);
                }
            }
        }

        public void ClearHeld()
        {
            foreach (var node in Nodes)
            {
                node.Held = 0;
            }
        }
    }
}
