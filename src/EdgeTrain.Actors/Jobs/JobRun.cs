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
    private readonly Dictionary<string, TrainerProgress> trainers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AggregatorProgress> aggregators = new(StringComparer.Ordinal);
    private readonly List<EvaluationPoint> curve = [];
    private readonly List<string> events = [];

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

    /// <summary>When this coordinator began (or, after a move, began again) to start the job.</summary>
    public DateTime StartingSinceUtc { get; set; } = DateTime.MaxValue;

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

    /// <summary>Training has started on the placed trainers.</summary>
    public void Started(DateTime nowUtc)
    {
        StartedUtc = nowUtc;
        State = JobState.Running;
    }

    /// <summary>Records a trainer's totals (the newest report per node wins).</summary>
    public void Record(TrainerProgress progress)
    {
        if (!trainers.TryGetValue(progress.Node, out var known) || known.Samples <= progress.Samples)
        {
            trainers[progress.Node] = progress;
        }
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

    /// <summary>Whether the job should stop now: at its target accuracy or its time limit.</summary>
    public JobState Decide(DateTime nowUtc)
    {
        if (State != JobState.Running)
        {
            return State;
        }

        if (Accuracy >= Spec.TargetAccuracy)
        {
            return JobState.Completed;
        }

        return nowUtc - SubmittedUtc >= Spec.TimeLimit ? JobState.TimedOut : JobState.Running;
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

    /// <summary>Seconds since training started.</summary>
    public double Elapsed(DateTime nowUtc) => StartedUtc is { } started ? (nowUtc - started).TotalSeconds : 0;

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
            Message)
        { Events = events.ToArray() };
    }
}
