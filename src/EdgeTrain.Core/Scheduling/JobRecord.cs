using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Core.Scheduling;

/// <summary>
/// The coordinator's bookkeeping for one job: its spec and slices, its priority and place in the
/// scheduler's life cycle, where its trainers run and with which data partitions, the totals they and
/// the aggregators report, the evaluations, and the decision when to stop. Changed only through
/// <see cref="CoordinatorState"/> (persisted events through its <c>Apply</c>, observations through
/// its methods); everything here is read-only to the outside.
/// </summary>
public sealed class JobRecord
{
    // per trainer node, the latest report of each trainer incarnation on it (a paused and resumed
    // job, or a trainer that restarted, counts from zero again beside the earlier incarnations)
    private readonly Dictionary<string, Dictionary<string, TrainerReport>> incarnations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TrainerReport> trainers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> lastContribution = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AggregatorReport> aggregators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TrainerSpeed> speeds = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Privacy.RdpAccountant> privacy = [];
    private readonly Dictionary<string, List<int>> placement = new(StringComparer.Ordinal);
    private readonly List<int> orphans = [];
    private readonly List<EvaluationPoint> curve = [];
    private readonly List<TrainerCount> trainersOverTime = [];
    private readonly List<string> events = [];
    private readonly List<CheckpointRecord> checkpoints = [];
    private readonly HashSet<int> slicesCreated = [];
    private readonly Dictionary<string, string> trainerFailures = new(StringComparer.Ordinal);
    private readonly HashSet<string> migratedAway = new(StringComparer.Ordinal);

    // the samples/s of the speeds that count towards the median (trained at least `rateGrace`, above
    // 0), kept sorted as speeds change, so that the median costs nothing to read
    private readonly List<double> rates = [];
    private TimeSpan? rateGrace;
    private TimeSpan countedAtStart;

    internal JobRecord(string jobId, JobSpec spec, int[] sliceLengths, DateTime submittedUtc)
    {
        JobId = jobId;
        Spec = spec;
        SliceLengths = sliceLengths;
        SubmittedUtc = submittedUtc;
        Priority = spec.Priority;
        StateSinceUtc = submittedUtc;
        WaitingSinceUtc = submittedUtc;
    }

    /// <summary>The job's id.</summary>
    public string JobId { get; }

    /// <summary>The job.</summary>
    public JobSpec Spec { get; }

    /// <summary>Length of each parameter slice.</summary>
    public int[] SliceLengths { get; }

    /// <summary>When it was submitted.</summary>
    public DateTime SubmittedUtc { get; }

    /// <summary>The scheduler's priority (the job file's, or what an operator set).</summary>
    public int Priority { get; private set; }

    /// <summary>Where the job is.</summary>
    public JobState State { get; private set; } = JobState.Queued;

    /// <summary>When the job entered its current state.</summary>
    public DateTime StateSinceUtc { get; private set; }

    /// <summary>Why it failed or ended, or other news.</summary>
    public string? Message { get; private set; }

    /// <summary>What the job waits for while it is queued, preempted or starting (null while it trains).</summary>
    public string? WaitingFor { get; private set; }

    /// <summary>When training first started (null before).</summary>
    public DateTime? StartedUtc { get; private set; }

    /// <summary>Latest test accuracy.</summary>
    public double Accuracy { get; private set; }

    /// <summary>A language model's latest validation bits per character (NaN before its first evaluation, and for a classifier).</summary>
    public double BitsPerCharacter { get; private set; } = double.NaN;

    /// <summary>A language model's latest sample of generated text (null before its first evaluation, and for a classifier).</summary>
    public string? Sample { get; private set; }

    /// <summary>A language model's latest bits per character on each partition's held-out text (an era's, a party's), by partition.</summary>
    public IReadOnlyList<double> PartitionBits { get; private set; } = [];

    /// <summary>Whether the job has reached its target: bits per character at most <c>target-loss</c> for a language model, else the target accuracy.</summary>
    public bool TargetReached => Language ? Spec.TargetLoss > 0 && BitsPerCharacter <= Spec.TargetLoss : Accuracy >= Spec.TargetAccuracy;

    /// <summary>Whether the job trains a language model (<c>data.dataset = text-jsonl</c>), scored in bits per character.</summary>
    public bool Language => Spec.Data.Dataset == DataSpec.TextJsonl;

    /// <summary>Trainer nodes by address, with the data partitions each trains on.</summary>
    public IReadOnlyDictionary<string, List<int>> Placement => placement;

    /// <summary>Partitions whose trainer node left while no other trainer could take them.</summary>
    public IReadOnlyList<int> Orphans => orphans;

    /// <summary>The regions with trainers, one aggregator each.</summary>
    public IReadOnlyList<string> Regions { get; private set; } = [];

    /// <summary>Number of data partitions (the trainers placed when the job first started).</summary>
    public int Partitions { get; private set; }

    /// <summary>The job's checkpoints, oldest (id 1) first.</summary>
    public IReadOnlyList<CheckpointRecord> Checkpoints => checkpoints;

    /// <summary>Recovery, placement and scheduling events, oldest first.</summary>
    public IReadOnlyList<string> Events => events;

    /// <summary>Slices hosted per node address (refreshed from the slice monitor).</summary>
    public IReadOnlyDictionary<string, int> SlicesPerNode { get; private set; } = new Dictionary<string, int>();

    /// <summary>The evaluations so far.</summary>
    public IReadOnlyList<EvaluationPoint> Curve => curve;

    /// <summary>How many trainers the job held, each time that changed.</summary>
    public IReadOnlyList<TrainerCount> TrainersOverTime => trainersOverTime;

    /// <summary>Each trainer node's totals, by address.</summary>
    public IReadOnlyDictionary<string, TrainerReport> Trainers => trainers;

    /// <summary>Each placed trainer's measured speed in this job, by address.</summary>
    public IReadOnlyDictionary<string, TrainerSpeed> Speeds => speeds;

    /// <summary>Training samples processed by all trainers.</summary>
    public long Samples => trainers.Values.Sum(t => t.Samples);

    /// <summary>
    /// Whether enough training has happened since the last evaluation for another: always for a classifier (its
    /// evaluations are cheap and timed by the coordinator); a language model's every <c>evaluate-every</c> steps of
    /// <c>batch-size</c> windows across its trainers, as in a single process.
    /// </summary>
    public bool EvaluationDueBySamples => !Language || Samples >= (curve.Count == 0 ? 0 : curve[^1].Samples) + ((long)Math.Max(1, Spec.EvaluateEvery) * Spec.BatchSize);

    /// <summary>Tensor payload bytes trainers → aggregators plus aggregators → shards.</summary>
    public long BytesSent => trainers.Values.Sum(t => t.BytesSent) + aggregators.Values.Sum(a => a.BytesSent);

    /// <summary>Merged updates the shards acknowledged.</summary>
    public long Updates => aggregators.Values.Sum(a => a.Acknowledged);

    /// <summary>Redundant execution over every aggregator incarnation that reported votes (null: none did).</summary>
    public Redundancy.VoteCounts? Votes => aggregators.Values.Where(a => a.Votes is not null).Select(a => a.Votes!).Aggregate((Redundancy.VoteCounts?)null, (sum, v) => sum is null ? v : new(
        sum.Computed + v.Computed, sum.Applied + v.Applied, sum.SettledComputed + v.SettledComputed, sum.SettledApplied + v.SettledApplied, sum.Inconclusive + v.Inconclusive, sum.Abandoned + v.Abandoned));

    /// <summary>Secure rounds over every aggregator incarnation that reported them (null: none did).</summary>
    public Privacy.SecureAggregation.SecureAggregationCounts? SecureAggregation =>
        aggregators.Values.Where(a => a.SecureAggregation is not null).Select(a => a.SecureAggregation!).Aggregate((Privacy.SecureAggregation.SecureAggregationCounts?)null, (sum, c) => sum?.Plus(c) ?? c);

    /// <summary>True once the job has stopped for good.</summary>
    public bool Finished => State is JobState.Completed or JobState.TimedOut or JobState.Failed or JobState.Cancelled;

    /// <summary>True while the job holds trainers (it starts or trains).</summary>
    public bool HoldsTrainers => State is JobState.Starting or JobState.Running;

    /// <summary>True while the job wants trainers from the scheduler: queued, preempted, starting or running.</summary>
    public bool Schedulable => State is JobState.Queued or JobState.Preempted or JobState.Starting or JobState.Running;

    /// <summary>Time spent not training (queued, preempted, paused) before the current wait, if any.</summary>
    public TimeSpan WaitedFor { get; private set; }

    /// <summary>When the current wait began (null while the job starts or trains).</summary>
    public DateTime? WaitingSinceUtc { get; private set; }

    /// <summary>Slices whose shard has not yet confirmed that it holds the slice.</summary>
    public IReadOnlyList<int> SlicesToCreate => [.. Enumerable.Range(0, SliceLengths.Length).Where(i => !slicesCreated.Contains(i))];

    /// <summary>When the running evaluation of this job was asked for (null: none is under way).</summary>
    public DateTime? EvaluationAskedUtc { get; private set; }

    /// <summary>The checkpoint with id <paramref name="id"/>, the newest when it is null; null when there is none.</summary>
    public CheckpointRecord? Checkpoint(long? id) => id is null ? checkpoints.LastOrDefault() : checkpoints.FirstOrDefault(c => c.Id == id);

    /// <summary>Whether <paramref name="node"/> reported that it cannot train this job.</summary>
    public bool CannotTrainOn(string node) => trainerFailures.ContainsKey(node) || migratedAway.Contains(node);

    /// <summary>Why the job cannot train when no placed trainer is left, naming each node that failed; null while one is.</summary>
    public string? NoTrainerLeft() => placement.Count > 0 || trainerFailures.Count == 0
        ? null
        : "no trainer could train it: " + string.Join("; ", trainerFailures.Select(f => $"{f.Key}: {f.Value}"));

    /// <summary>Why a job that did not start within its time limit failed.</summary>
    public string StartFailure() =>
        $"could not start within its time limit of {Spec.TimeLimit}: {WaitingFor ?? "it was never placed"}";

    /// <summary>When trainer node <paramref name="node"/> last contributed to this job, as far as its reports tell.</summary>
    public DateTime? LastContribution(string node) => lastContribution.TryGetValue(node, out var at) ? at : null;

    /// <summary>Contributions trainer node <paramref name="node"/> sent for this job.</summary>
    public long Contributions(string node) => trainers.GetValueOrDefault(node)?.Contributions ?? 0;

    /// <summary>Mean of the trainers' latest losses.</summary>
    public double Loss
    {
        get
        {
            var losses = trainers.Values.Select(t => t.Loss).Where(double.IsFinite).ToList();
            return losses.Count == 0 ? double.NaN : losses.Average();
        }
    }

    /// <summary>Time that counts against the time limit: since submission, less the time queued, preempted or paused.</summary>
    public TimeSpan Counted(DateTime nowUtc) =>
        nowUtc - SubmittedUtc - WaitedFor - (WaitingSinceUtc is { } since && nowUtc > since ? nowUtc - since : TimeSpan.Zero);

    /// <summary>Seconds of training since training started (time queued, preempted or paused left out).</summary>
    public double Elapsed(DateTime nowUtc) => StartedUtc is null ? 0 : Math.Max(0, (Counted(nowUtc) - countedAtStart).TotalSeconds);

    /// <summary>Why the job cannot take <paramref name="action"/> now, or null when it can.</summary>
    public string? Refusal(JobControl action) => (action, State) switch
    {
        _ when Finished => $"job {JobId} has already ended ({State})",
        (JobControl.Pause, JobState.Running or JobState.Starting or JobState.Queued or JobState.Preempted) or (JobControl.Resume, JobState.Paused) or (JobControl.Cancel, _) => null,
        (JobControl.Pause, JobState.Paused) => $"job {JobId} is already paused",
        _ => $"job {JobId} is not paused (it is {State.ToString().ToLowerInvariant()})",
    };

    /// <summary>
    /// Whether the job should stop now: at its target (accuracy, or a language model's bits per character) or its time limit (time queued,
    /// preempted or paused does not count); a job still starting when its time limit passes has
    /// failed (<see cref="StartFailure"/> says why).
    /// </summary>
    public JobState Decide(DateTime nowUtc)
    {
        var over = Counted(nowUtc) >= Spec.TimeLimit;
        return State switch
        {
            JobState.Starting => over ? JobState.Failed : JobState.Starting,
            JobState.Running when TargetReached => JobState.Completed,
            JobState.Running => over ? JobState.TimedOut : JobState.Running,
            _ => State,
        };
    }

    /// <summary>
    /// Acknowledged merged updates that the shards no longer hold: for each aggregator and slice,
    /// the sequence numbers up to the acknowledged one that the shard's applied set lacks.
    /// </summary>
    public (long Acknowledged, long Lost) Audit(IReadOnlyList<SliceApplied> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        long acknowledged = 0;
        long lost = 0;
        foreach (var a in aggregators.Values)
        {
            for (var slice = 0; slice < a.AckedContiguous.Length; slice++)
            {
                var acked = a.AckedContiguous[slice];
                acknowledged += acked;
                var shard = slices.FirstOrDefault(s => s.Slice == slice);
                var contiguous = shard?.Contiguous.GetValueOrDefault(a.AggregatorId) ?? 0;
                var above = shard?.Above.GetValueOrDefault(a.AggregatorId) ?? [];
                if (acked > contiguous)
                {
                    lost += acked - contiguous - above.Count(s => s > contiguous && s <= acked);
                }
            }
        }

        return (acknowledged, lost);
    }

    // ---- changes, called by CoordinatorState only ----

    internal void Note(DateTime nowUtc, string text) => events.Add($"{nowUtc:HH:mm:ss.fff} {text}");

    internal void SetPriority(int priority) => Priority = priority;

    // the accuracy a job ended at, as its JobEnded event says (a replay has no evaluations)
    internal void SetAccuracy(double accuracy) => Accuracy = accuracy;

    internal void AddCheckpoint(CheckpointRecord checkpoint) => checkpoints.Add(checkpoint);

    internal void EvaluationAsked(DateTime? atUtc) => EvaluationAskedUtc = atUtc;

    internal void End(JobState state, string? message, DateTime nowUtc)
    {
        StopWaiting(nowUtc);
        MoveTo(state, nowUtc);
        Message = message;
        placement.Clear();
        CountTrainers(nowUtc);
    }

    internal void Wait(JobState state, string reason, DateTime nowUtc)
    {
        if (WaitingSinceUtc is null && state is JobState.Queued or JobState.Preempted or JobState.Paused)
        {
            WaitingSinceUtc = nowUtc;
        }

        if (state != State)
        {
            MoveTo(state, nowUtc);
        }

        if (reason != WaitingFor)
        {
            WaitingFor = reason;
            Note(nowUtc, $"{state.ToString().ToLowerInvariant()}: {reason}");
        }
    }

    // The job gets trainers on nodes (first time: one partition each; later: the partitions spread
    // over them) and starts: its slices are created and its aggregators configured before it trains.
    internal void Place(IReadOnlyList<(string Address, string Region)> nodes, int partitions, DateTime nowUtc)
    {
        StopWaiting(nowUtc);
        if (Partitions == 0)
        {
            Partitions = Math.Max(partitions, nodes.Count);
        }

        placement.Clear();
        orphans.Clear();
        for (var p = 0; p < Partitions; p++)
        {
            var address = nodes[p % nodes.Count].Address;
            if (!placement.TryGetValue(address, out var parts))
            {
                parts = [];
                placement[address] = parts;
            }

            parts.Add(p);
        }

        Regions = [.. nodes.Select(n => n.Region).Distinct(StringComparer.Ordinal)];
        ClearSpeeds();
        MoveTo(JobState.Starting, nowUtc);
        WaitingFor = "creating its slices and configuring its aggregators";
        CountTrainers(nowUtc);
    }

    internal void SliceCreated(int slice) => slicesCreated.Add(slice);

    internal void Started(DateTime nowUtc)
    {
        if (StartedUtc is null)
        {
            StartedUtc = nowUtc;
            countedAtStart = Counted(nowUtc);
        }

        MoveTo(JobState.Running, nowUtc);
        WaitingFor = null;
    }

    // Takes the job's trainers away (preempted, paused): the placement is forgotten, the slices stay.
    internal void Unplace(JobState state, string reason, DateTime nowUtc)
    {
        placement.Clear();
        orphans.Clear();
        Regions = [];
        ClearSpeeds();
        Wait(state, reason, nowUtc);
        CountTrainers(nowUtc);
    }

    internal void RecordFailure(string node, string reason) => trainerFailures[node] = reason;

    internal void MigratedAway(string node) => migratedAway.Add(node);

    internal void Resumed(DateTime nowUtc) => Wait(JobState.Queued, "resumed; waiting for trainers", nowUtc);

    internal void Paused(DateTime nowUtc, string by) => Unplace(JobState.Paused, $"paused by {by}", nowUtc);

    // Takes away the partitions of a trainer node and gives each to the live trainer with the fewest
    // (or to `to` when given); with none left they wait as orphans. Returns the trainers whose partitions changed.
    internal IReadOnlyList<string> Remove(string address, DateTime nowUtc, string? to = null)
    {
        if (!placement.Remove(address, out var lost))
        {
            return [];
        }

        if (speeds.Remove(address, out var gone))
        {
            Uncount(gone);
        }

        orphans.AddRange(lost);
        var changed = Adopt(to);
        CountTrainers(nowUtc);
        return changed;
    }

    // Straggler migration: trainer node `from` hands all its partitions to `to` (which joins the job
    // when it is new to it) and leaves the job. Returns the trainers whose partitions changed.
    internal IReadOnlyList<string> Hand(string from, string to, DateTime nowUtc)
    {
        if (!placement.ContainsKey(from))
        {
            return [];
        }

        placement.TryAdd(to, []);
        return Remove(from, nowUtc, to);
    }

    // A trainer node joins the job: it takes the orphaned partitions, or else one partition from the
    // trainer with the most. Returns the trainers whose partitions changed (empty: it got none).
    internal IReadOnlyList<string> Join(string address, DateTime nowUtc)
    {
        if (placement.ContainsKey(address))
        {
            return [];
        }

        placement[address] = [];
        IReadOnlyList<string> changed;
        if (orphans.Count > 0)
        {
            changed = Adopt(null);
        }
        else
        {
            var richest = default(KeyValuePair<string, List<int>>);
            foreach (var trainer in placement)
            {
                // the first trainer with the most partitions
                if (trainer.Key != address && (richest.Value is null || trainer.Value.Count > richest.Value.Count))
                {
                    richest = trainer;
                }
            }

            if (richest.Value is { Count: > 1 } parts)
            {
                placement[address].Add(parts[^1]);
                parts.RemoveAt(parts.Count - 1);
                changed = [address, richest.Key];
            }
            else
            {
                placement.Remove(address);
                changed = [];
            }
        }

        CountTrainers(nowUtc);
        return changed;
    }

    internal void AddRegion(string region)
    {
        if (!Regions.Contains(region, StringComparer.Ordinal))
        {
            Regions = [.. Regions, region];
        }
    }

    private List<string> Adopt(string? to)
    {
        var changed = new List<string>();
        if (placement.Count == 0)
        {
            return changed;
        }

        foreach (var partition in orphans)
        {
            var target = to is not null && placement.TryGetValue(to, out var chosen) ? new KeyValuePair<string, List<int>>(to, chosen) : Poorest();
            target.Value.Add(partition);
            if (!changed.Contains(target.Key))
            {
                changed.Add(target.Key);
            }
        }

        orphans.Clear();
        return changed;
    }

    // the first trainer with the fewest partitions
    private KeyValuePair<string, List<int>> Poorest()
    {
        var poorest = default(KeyValuePair<string, List<int>>);
        foreach (var trainer in placement)
        {
            if (poorest.Value is null || trainer.Value.Count < poorest.Value.Count)
            {
                poorest = trainer;
            }
        }

        return poorest;
    }

    /// <summary>
    /// With differential privacy, what the partitions trained so far have spent, the largest over them
    /// (every example is in one partition, so the job's ε is its worst partition's); null without DP.
    /// </summary>
    public Privacy.PrivacySpent? PrivacySpent =>
        Spec.Privacy is not { Dp: true } ? null : privacy.Values.Aggregate(Privacy.RdpAccountant.Empty, (a, b) => a.Max(b)).Spent;

    /// <summary>ε at the job's δ so far (null without differential privacy).</summary>
    public double? Epsilon => Spec.Privacy is { Dp: true } p ? PrivacySpent!.Epsilon(p.Delta) : null;

    /// <summary>What the examples of <paramref name="partitions"/> have spent at most: a trainer that takes them on starts its accountant there.</summary>
    public Privacy.PrivacySpent? PrivacyOf(IEnumerable<int> partitions) =>
        Spec.Privacy is not { Dp: true } ? null : partitions.Where(privacy.ContainsKey).Aggregate(Privacy.RdpAccountant.Empty, (a, p) => a.Max(privacy[p])).Spent;

    /// <summary>The examples of <paramref name="partitions"/> have spent at least <paramref name="spent"/> (a lease reserved, or a trainer's report).</summary>
    internal void Spend(IEnumerable<int> partitions, Privacy.PrivacySpent spent)
    {
        if (Spec.Privacy is not { Dp: true })
        {
            return;
        }

        var accountant = Privacy.RdpAccountant.From(spent);
        foreach (var partition in partitions)
        {
            privacy[partition] = privacy.TryGetValue(partition, out var known) ? known.Max(accountant) : accountant;
        }
    }

    internal void Record(TrainerReport report, string incarnation, DateTime nowUtc)
    {
        if (report.Privacy is { } spent)
        {
            Spend(spent.Partitions, spent.Spent);
        }

        if (!incarnations.TryGetValue(report.Node, out var reports))
        {
            reports = new Dictionary<string, TrainerReport>(StringComparer.Ordinal);
            incarnations[report.Node] = reports;
        }

        if (reports.TryGetValue(incarnation, out var known) && known.Samples > report.Samples)
        {
            return;
        }

        var before = trainers.GetValueOrDefault(report.Node)?.Contributions ?? 0;
        reports[incarnation] = report;
        long samples = 0, contributions = 0, bytesSent = 0, bytesPulled = 0;
        double busy = 0, pull = 0, roundTrip = double.PositiveInfinity;
        foreach (var r in reports.Values)
        {
            samples += r.Samples;
            contributions += r.Contributions;
            bytesSent += r.BytesSent;
            busy += r.BusySeconds;
            pull += r.PullSeconds;
            bytesPulled += r.BytesPulled;
            if (r.RoundTripMs > 0)
            {
                roundTrip = Math.Min(roundTrip, r.RoundTripMs);
            }
        }

        var total = report with
        {
            Samples = samples,
            Contributions = contributions,
            BytesSent = bytesSent,
            BusySeconds = busy,
            PullSeconds = pull,
            BytesPulled = bytesPulled,
            RoundTripMs = double.IsPositiveInfinity(roundTrip) ? 0 : roundTrip,
        };
        trainers[report.Node] = total;
        if (total.Contributions > before)
        {
            lastContribution[report.Node] = nowUtc;
        }

        if (placement.ContainsKey(report.Node))
        {
            if (speeds.TryGetValue(report.Node, out var speed))
            {
                Uncount(speed);
                speed = speed with { LastUtc = nowUtc, LastSamples = total.Samples, RoundTripMs = total.RoundTripMs };
            }
            else
            {
                speed = new TrainerSpeed(nowUtc, total.Samples, nowUtc, total.Samples, total.RoundTripMs);
            }

            speeds[report.Node] = speed;
            Count(speed);
        }
    }

    // The median samples/s of the trainers that trained at least `grace` (0 with fewer than two).
    internal double MedianRate(TimeSpan grace)
    {
        if (rateGrace != grace)
        {
            rateGrace = grace;
            rates.Clear();
            foreach (var speed in speeds.Values)
            {
                Count(speed);
            }
        }

        if (rates.Count < 2)
        {
            return 0;
        }

        return rates.Count % 2 == 1 ? rates[rates.Count / 2] : (rates[(rates.Count / 2) - 1] + rates[rates.Count / 2]) / 2;
    }

    private bool Counts(TrainerSpeed speed) => rateGrace is { } grace && speed.Trained >= grace && speed.SamplesPerSecond > 0;

    private void Count(TrainerSpeed speed)
    {
        if (Counts(speed))
        {
            var rate = speed.SamplesPerSecond;
            var at = rates.BinarySearch(rate);
            rates.Insert(at < 0 ? ~at : at, rate);
        }
    }

    private void Uncount(TrainerSpeed speed)
    {
        if (Counts(speed) && rates.BinarySearch(speed.SamplesPerSecond) is var at && at >= 0)
        {
            rates.RemoveAt(at);
        }
    }

    private void ClearSpeeds()
    {
        speeds.Clear();
        rates.Clear();
    }

    internal void MarkSlow(string node, DateTime? since)
    {
        if (speeds.TryGetValue(node, out var speed) && speed.SlowSinceUtc != since)
        {
            speeds[node] = speed with { SlowSinceUtc = since };
        }
    }

    internal void Record(AggregatorReport report) => aggregators[report.AggregatorId] = report;

    internal void Evaluated(double accuracy, DateTime nowUtc, double bitsPerCharacter = double.NaN, string? sample = null, IReadOnlyList<double>? partitionBits = null)
    {
        PartitionBits = partitionBits?.ToArray() ?? PartitionBits;
        Accuracy = double.IsNaN(accuracy) ? 0 : accuracy;
        BitsPerCharacter = bitsPerCharacter;
        Sample = sample ?? Sample;
        curve.Add(new EvaluationPoint(Elapsed(nowUtc), Samples, Loss, Accuracy) { BitsPerCharacter = bitsPerCharacter });
    }

    internal void Homed(IReadOnlyDictionary<string, int> slicesPerNode) => SlicesPerNode = slicesPerNode;

    private void MoveTo(JobState state, DateTime nowUtc)
    {
        State = state;
        StateSinceUtc = nowUtc;
    }

    private void StopWaiting(DateTime nowUtc)
    {
        if (WaitingSinceUtc is { } since)
        {
            WaitedFor += nowUtc > since ? nowUtc - since : TimeSpan.Zero;
            WaitingSinceUtc = null;
        }
    }

    private void CountTrainers(DateTime nowUtc)
    {
        var count = placement.Count;
        if (trainersOverTime.Count == 0 || trainersOverTime[^1].Trainers != count)
        {
            trainersOverTime.Add(new TrainerCount(Math.Max(0, (nowUtc - SubmittedUtc).TotalSeconds), count));
        }
    }
}
