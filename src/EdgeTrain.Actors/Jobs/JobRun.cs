using EdgeTrain.Core.Jobs;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// The coordinator's bookkeeping for one job, as plain state: its spec and slices, where its
/// trainers run, the running totals they and the aggregators report, the evaluations, and the
/// decision when to stop. The coordinator actor only feeds it messages and acts on its answers.
/// </summary>
public sealed class JobRun
{
    // per trainer node, the latest report of each trainer incarnation on it (a paused and resumed
    // job, or a trainer that restarted, counts from zero again beside the earlier incarnations)
    private readonly Dictionary<string, Dictionary<string, TrainerProgress>> incarnations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TrainerProgress> trainers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> lastContribution = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AggregatorProgress> aggregators = new(StringComparer.Ordinal);
    private readonly List<EvaluationPoint> curve = [];
    private readonly List<string> events = [];
    private readonly HashSet<int> slicesCreated = [];
    private readonly HashSet<string> regionsConfigured = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> trainerFailures = new(StringComparer.Ordinal);

    /// <summary>A job that has just been submitted.</summary>
    public JobRun(string jobId, JobSpec spec, int[] sliceLengths, DateTime submittedUtc)
    {
        JobId = jobId;
        Spec = spec;
        SliceLengths = sliceLengths;
        SubmittedUtc = submittedUtc;
        Slices = Enumerable.Range(0, sliceLengths.Length).Select(i => new SliceHealth(i, null, -1, DateTime.MinValue)).ToArray();
    }

    /// <summary>The job's id.</summary>
    public string JobId { get; }

    /// <summary>The job.</summary>
    public JobSpec Spec { get; }

    /// <summary>Length of each parameter slice.</summary>
    public int[] SliceLengths { get; }

    /// <summary>When it was submitted.</summary>
    public DateTime SubmittedUtc { get; }

    /// <summary>What the job waits for while it starts (null once it runs, or before the first wait).</summary>
    public string? WaitingFor { get; private set; }

    /// <summary>Start attempts so far: answers to an earlier attempt's questions that failed are stale.</summary>
    public int StartAttempt { get; private set; }

    /// <summary>When training started (null before).</summary>
    public DateTime? StartedUtc { get; private set; }

    /// <summary>Where the job is.</summary>
    public JobState State { get; private set; } = JobState.Starting;

    /// <summary>Why it failed, or other news.</summary>
    public string? Message { get; private set; }

    /// <summary>Latest test accuracy.</summary>
    public double Accuracy { get; private set; }

    /// <summary>Trainer nodes by address, with the data partitions each trains on.</summary>
    public Dictionary<string, List<int>> Placement { get; } = new(StringComparer.Ordinal);

    /// <summary>Partitions whose trainer node left while no other trainer could take them.</summary>
    public List<int> Orphans { get; } = [];

    /// <summary>The regions with trainers, one aggregator each.</summary>
    public IReadOnlyList<string> Regions { get; set; } = [];

    /// <summary>Number of data partitions (the trainers placed when the job started).</summary>
    public int Partitions { get; set; }

    /// <summary>Each slice's home node, version and last answer to the coordinator's check.</summary>
    public SliceHealth[] Slices { get; }

    /// <summary>The job's checkpoints, oldest (id 1) first.</summary>
    public List<CheckpointProtocol.CheckpointInfo> Checkpoints { get; } = [];

    /// <summary>Recovery and placement events, oldest first.</summary>
    public IReadOnlyList<string> Events => events;

    /// <summary>Slices hosted per node address (refreshed from the sharding statistics).</summary>
    public IReadOnlyDictionary<string, int> SlicesPerNode { get; set; } = new Dictionary<string, int>();

    /// <summary>Training samples processed by all trainers.</summary>
    public long Samples => trainers.Values.Sum(t => t.Samples);

    /// <summary>Tensor payload bytes trainers → aggregators plus aggregators → shards.</summary>
    public long BytesSent => trainers.Values.Sum(t => t.BytesSent) + aggregators.Values.Sum(a => a.BytesSent);

    /// <summary>Merged updates the shards acknowledged.</summary>
    public long Updates => aggregators.Values.Sum(a => a.Acknowledged);

    /// <summary>True once the job has stopped for good.</summary>
    public bool Finished => State is JobState.Completed or JobState.TimedOut or JobState.Failed or JobState.Cancelled;

    /// <summary>Time spent paused before the current pause (if any).</summary>
    public TimeSpan PausedFor { get; private set; }

    /// <summary>When the current pause began (null when not paused).</summary>
    public DateTime? PausedSinceUtc { get; private set; }

    /// <summary>Training has started on the placed trainers.</summary>
    public void Started(DateTime nowUtc)
    {
        StartedUtc = nowUtc;
        State = JobState.Running;
        WaitingFor = null;
    }

    /// <summary>
    /// The job cannot start yet, for <paramref name="reason"/>: shown in its status while it starts,
    /// and noted as an event when the reason changes.
    /// </summary>
    public void Waiting(string reason, DateTime nowUtc)
    {
        if (State != JobState.Starting || reason == WaitingFor)
        {
            return;
        }

        WaitingFor = reason;
        Note(nowUtc, "waiting: " + reason);
    }

    /// <summary>A new start attempt: the questions of earlier ones no longer count when they fail.</summary>
    public int NextStartAttempt() => ++StartAttempt;

    /// <summary>Slices whose shard has not yet confirmed that it holds the slice.</summary>
    public IReadOnlyList<int> SlicesToCreate => [.. Enumerable.Range(0, SliceLengths.Length).Where(i => !slicesCreated.Contains(i))];

    /// <summary>Regions with trainers whose aggregator has not yet confirmed the job's configuration.</summary>
    public IReadOnlyList<string> RegionsToConfigure => [.. Regions.Where(r => !regionsConfigured.Contains(r))];

    /// <summary>True once trainers are placed, every slice exists and every region's aggregator knows the job.</summary>
    public bool ReadyToTrain => Placement.Count > 0 && SlicesToCreate.Count == 0 && RegionsToConfigure.Count == 0;

    /// <summary>The shard of <paramref name="slice"/> confirmed that the slice exists.</summary>
    public void SliceCreated(int slice) => slicesCreated.Add(slice);

    /// <summary>The aggregator of <paramref name="region"/> confirmed the job's configuration.</summary>
    public void RegionConfigured(string region) => regionsConfigured.Add(region);

    /// <summary>
    /// A placed trainer node left while the job was starting: the trainers are placed again on the next
    /// attempt (the slices already created stay).
    /// </summary>
    public bool Unplace(string address)
    {
        if (!Placement.ContainsKey(address))
        {
            return false;
        }

        Placement.Clear();
        Orphans.Clear();
        Regions = [];
        regionsConfigured.Clear();
        return true;
    }

    /// <summary>
    /// Trainer node <paramref name="node"/> cannot train this job, for <paramref name="reason"/>: its
    /// partitions go to the other trainers (returned: the trainers whose partitions changed); it gets
    /// none of this job again, even when it registers anew.
    /// </summary>
    public IReadOnlyList<string> TrainerFailed(string node, string reason)
    {
        trainerFailures[node] = reason;
        return Reassign(node);
    }

    /// <summary>Whether <paramref name="node"/> reported that it cannot train this job.</summary>
    public bool CannotTrainOn(string node) => trainerFailures.ContainsKey(node);

    /// <summary>Why the job cannot train when no placed trainer is left, naming each node that failed; null while one is.</summary>
    public string? NoTrainerLeft() => Placement.Count > 0 || trainerFailures.Count == 0
        ? null
        : "no trainer could train it: " + string.Join("; ", trainerFailures.Select(f => $"{f.Key}: {f.Value}"));

    /// <summary>Why a job that did not start within its time limit failed.</summary>
    public string StartFailure() =>
        $"could not start within its time limit of {Spec.TimeLimit}: {WaitingFor ?? "it was never placed"}";

    /// <summary>
    /// Records a trainer's totals. Per trainer <paramref name="incarnation"/> (the reporting actor) the
    /// newest report wins; a node's totals add up its incarnations, so a trainer started again after a
    /// pause adds to what the node had done. <paramref name="nowUtc"/> marks the node's last
    /// contribution when its count of contributions grew.
    /// </summary>
    public void Record(TrainerProgress progress, string incarnation = "", DateTime? nowUtc = null)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (!incarnations.TryGetValue(progress.Node, out var reports))
        {
            reports = new Dictionary<string, TrainerProgress>(StringComparer.Ordinal);
            incarnations[progress.Node] = reports;
        }

        if (reports.TryGetValue(incarnation, out var known) && known.Samples > progress.Samples)
        {
            return;
        }

        var before = trainers.GetValueOrDefault(progress.Node)?.Contributions ?? 0;
        reports[incarnation] = progress;
        var all = reports.Values;
        trainers[progress.Node] = progress with
        {
            Samples = all.Sum(r => r.Samples),
            Contributions = all.Sum(r => r.Contributions),
            BytesSent = all.Sum(r => r.BytesSent),
            BusySeconds = all.Sum(r => r.BusySeconds),
            PullSeconds = all.Sum(r => r.PullSeconds),
        };
        if (nowUtc is { } now && trainers[progress.Node].Contributions > before)
        {
            lastContribution[progress.Node] = now;
        }
    }

    /// <summary>When trainer node <paramref name="node"/> last contributed to this job, as far as its reports tell.</summary>
    public DateTime? LastContribution(string node) => lastContribution.TryGetValue(node, out var at) ? at : null;

    /// <summary>Contributions trainer node <paramref name="node"/> sent for this job.</summary>
    public long Contributions(string node) => trainers.GetValueOrDefault(node)?.Contributions ?? 0;

    /// <summary>
    /// A slice answered the coordinator's check at <paramref name="version"/>: records it, and when the
    /// version moved, the time of the update.
    /// </summary>
    public void SliceAnswered(int slice, long version, DateTime nowUtc)
    {
        if (slice < 0 || slice >= Slices.Length)
        {
            return;
        }

        var known = Slices[slice];
        Slices[slice] = known with
        {
            Version = version,
            LastAnsweredUtc = nowUtc,
            LastUpdatedUtc = version != known.Version ? nowUtc : known.LastUpdatedUtc,
        };
    }

    /// <summary>Why the job cannot take <paramref name="action"/> now, or null when it can.</summary>
    public string? Refusal(JobControl action) => (action, State) switch
    {
        _ when Finished => $"job {JobId} has already ended ({State})",
        (JobControl.Pause, JobState.Running) or (JobControl.Resume, JobState.Paused) or (JobControl.Cancel, _) => null,
        (JobControl.Pause, JobState.Paused) => $"job {JobId} is already paused",
        (JobControl.Pause, _) => $"job {JobId} is {State.ToString().ToLowerInvariant()}; pause it once it is running",
        _ => $"job {JobId} is not paused (it is {State.ToString().ToLowerInvariant()})",
    };

    /// <summary>Pauses the job: its trainers stop (the coordinator tells them) and its time limit stops counting.</summary>
    public void Pause(DateTime nowUtc)
    {
        State = JobState.Paused;
        PausedSinceUtc = nowUtc;
    }

    /// <summary>
    /// Resumes a paused job: Running again when this coordinator had placed its trainers (the coordinator
    /// starts them again), Starting when it had not (a coordinator that recovered the job while paused).
    /// </summary>
    public void Resume(DateTime nowUtc)
    {
        if (PausedSinceUtc is { } since && nowUtc > since)
        {
            PausedFor += nowUtc - since;
        }

        PausedSinceUtc = null;
        State = StartedUtc is not null && Placement.Count > 0 ? JobState.Running : JobState.Starting;
    }

    /// <summary>Records an aggregator's totals (per incarnation: a restarted aggregator starts new totals beside the old ones).</summary>
    public void Record(AggregatorProgress progress) => aggregators[progress.AggregatorId] = progress;

    /// <summary>Notes a recovery or placement event.</summary>
    public void Note(DateTime nowUtc, string text) => events.Add($"{nowUtc:HH:mm:ss.fff} {text}");

    /// <summary>
    /// Takes away the partitions of a trainer node that left and gives each to the live trainer
    /// with the fewest; with none left they wait as orphans. Returns the trainers whose partitions changed.
    /// </summary>
    public IReadOnlyList<string> Reassign(string leftAddress)
    {
        if (!Placement.Remove(leftAddress, out var lost))
        {
            return [];
        }

        Orphans.AddRange(lost);
        return AdoptOrphans();
    }

    /// <summary>
    /// A trainer node (new or returning) joins a running job: it takes the orphaned partitions,
    /// or else one partition from the trainer with the most. Returns the trainers whose partitions changed.
    /// </summary>
    public IReadOnlyList<string> Join(string address)
    {
        if (Placement.ContainsKey(address))
        {
            return [];
        }

        Placement[address] = [];
        if (Orphans.Count == 0)
        {
            var richest = Placement.Where(p => p.Key != address).MaxBy(p => p.Value.Count);
            if (richest.Value is { Count: > 1 } parts)
            {
                Placement[address].Add(parts[^1]);
                parts.RemoveAt(parts.Count - 1);
                return [address, richest.Key];
            }

            Placement.Remove(address);
            return [];
        }

        return AdoptOrphans();
    }

    private List<string> AdoptOrphans()
    {
        var changed = new List<string>();
        if (Placement.Count == 0)
        {
            return changed;
        }

        foreach (var partition in Orphans)
        {
            var poorest = Placement.MinBy(p => p.Value.Count);
            poorest.Value.Add(partition);
            if (!changed.Contains(poorest.Key))
            {
                changed.Add(poorest.Key);
            }
        }

        Orphans.Clear();
        return changed;
    }

    /// <summary>Per aggregator incarnation and slice, the sequence number up to which the shard acknowledged every update.</summary>
    public IEnumerable<(string AggregatorId, int Slice, long Acked)> Acknowledgements =>
        aggregators.Values.SelectMany(a => a.AckedContiguous.Select((acked, slice) => (a.AggregatorId, slice, acked)));

    /// <summary>
    /// Acknowledged merged updates that the shards no longer hold: for each aggregator and slice,
    /// the sequence numbers up to the acknowledged one that the shard's applied set lacks.
    /// </summary>
    public (long Acknowledged, long Lost) Audit(IReadOnlyList<Parameters.ParameterProtocol.ShardInfo> shards)
    {
        long acknowledged = 0;
        long lost = 0;
        foreach (var (aggregatorId, slice, acked) in Acknowledgements)
        {
            acknowledged += acked;
            var shard = shards.FirstOrDefault(s => s.Slice == slice);
            var contiguous = shard?.AppliedContiguous.GetValueOrDefault(aggregatorId) ?? 0;
            var above = shard?.AppliedAbove.GetValueOrDefault(aggregatorId) ?? [];
            if (acked > contiguous)
            {
                lost += acked - contiguous - above.Count(s => s > contiguous && s <= acked);
            }
        }

        return (acknowledged, lost);
    }

    /// <summary>Records an evaluation; returns the state the job should move to (Running while it goes on).</summary>
    public JobState Evaluated(double accuracy, DateTime nowUtc)
    {
        Accuracy = accuracy;
        curve.Add(new EvaluationPoint(Elapsed(nowUtc), Samples, Loss, accuracy));
        return Decide(nowUtc);
    }

    /// <summary>
    /// Whether the job should stop now: at its target accuracy or its time limit; a job still starting
    /// when its time limit passes has failed (<see cref="StartFailure"/> says why).
    /// </summary>
    public JobState Decide(DateTime nowUtc)
    {
        if (State == JobState.Starting)
        {
            return nowUtc - SubmittedUtc - PausedFor >= Spec.TimeLimit ? JobState.Failed : JobState.Starting;
        }

        if (State != JobState.Running)
        {
            return State;
        }

        if (Accuracy >= Spec.TargetAccuracy)
        {
            return JobState.Completed;
        }

        return nowUtc - SubmittedUtc - PausedFor >= Spec.TimeLimit ? JobState.TimedOut : JobState.Running;
    }

    /// <summary>Ends the job in <paramref name="state"/>.</summary>
    public void End(JobState state, string? message)
    {
        State = state;
        Message = message;
    }

    /// <summary>Mean of the trainers' latest losses.</summary>
    public double Loss
    {
        get
        {
            var losses = trainers.Values.Select(t => t.Loss).Where(double.IsFinite).ToList();
            return losses.Count == 0 ? double.NaN : losses.Average();
        }
    }

    /// <summary>Seconds of training since training started (time paused left out).</summary>
    public double Elapsed(DateTime nowUtc)
    {
        if (StartedUtc is not { } started)
        {
            return 0;
        }

        var end = PausedSinceUtc ?? nowUtc;
        return Math.Max(0, (end - started - PausedFor).TotalSeconds);
    }

    /// <summary>The status to show.</summary>
    public JobStatus ToStatus(DateTime nowUtc)
    {
        var elapsed = Elapsed(nowUtc);
        return new JobStatus(
            JobId,
            State,
            Accuracy,
            Loss,
            Samples,
            elapsed > 0 ? Samples / elapsed : 0,
            BytesSent,
            Updates,
            elapsed,
            trainers.Values.OrderBy(t => t.Node, StringComparer.Ordinal).ToArray(),
            curve.ToArray(),
            new Dictionary<string, int>(SlicesPerNode, StringComparer.Ordinal),
            Message ?? (State == JobState.Starting && WaitingFor is not null ? "waiting: " + WaitingFor : null))
        { Events = events.ToArray() };
    }
}
