using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Scheduling;
using EdgeTrain.Seed.Cli;

namespace EdgeTrain.Seed.Demo;

/// <summary>One job of a demo at its end: its spec, its last status and the files written for it (null: not written).</summary>
internal sealed record DemoJobRun(JobSpec Spec, JobStatus Final, string? Metrics, string? Curves, string? Model)
{
    /// <summary>True when the job reached its target.</summary>
    public bool Completed => Final.State == JobState.Completed;
}

/// <summary>
/// One job in the demo's JSON line (<c>jobs</c> array). Scripts rely on <c>job</c>, <c>priority</c>,
/// <c>state</c> (a <see cref="JobState"/> name), <c>reason</c> (always present, null when there is none),
/// <c>accuracy</c>, <c>seconds</c>, <c>samples</c> and <c>trainersOverTime</c>.
/// </summary>
/// <param name="Job">The job's id.</param>
/// <param name="Name">The job file's name for it.</param>
/// <param name="Priority">Its priority at the end (the file's, unless an operator changed it).</param>
/// <param name="MinTrainers">Its reservation: trainers it needs.</param>
/// <param name="MaxTrainers">Trainers it takes at most (0: every free one).</param>
/// <param name="State">How it ended.</param>
/// <param name="Reason">Why it failed, timed out or was cancelled (the coordinator's last message about it); null when there is none.</param>
/// <param name="Accuracy">Its last test accuracy.</param>
/// <param name="Seconds">Its training time.</param>
/// <param name="Samples">Training samples processed.</param>
/// <param name="SamplesPerSecond">Samples per second of training time.</param>
/// <param name="Updates">Merged updates the shards acknowledged.</param>
/// <param name="BytesSent">Tensor payload bytes trainer→aggregator plus aggregator→shard.</param>
/// <param name="SecondsToTarget">Training seconds to the first evaluation at the target accuracy, or a language model's target loss (null: never reached).</param>
/// <param name="StartedAfterSeconds">Seconds from its submission to its first trainer (null: it never had one).</param>
/// <param name="TrainersOverTime">How many trainers it held, each time that changed, in seconds from its submission.</param>
/// <param name="Metrics">Its <c>metrics.csv</c>.</param>
/// <param name="Curves">Its <c>curves.png</c> (null: no evaluation to draw).</param>
/// <param name="Model">Its trained model (null: not saved).</param>
/// <param name="Votes">A shared-data job's redundant execution (null: none): replicas computed, units applied, extra compute overall and for trusted nodes' units.</param>
internal sealed record DemoJobJson(
    string Job,
    string Name,
    int Priority,
    int MinTrainers,
    int MaxTrainers,
    string State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Reason,
    double Accuracy,
    double Seconds,
    long Samples,
    double SamplesPerSecond,
    long Updates,
    long BytesSent,
    double? SecondsToTarget,
    double? StartedAfterSeconds,
    IReadOnlyList<TrainerCount> TrainersOverTime,
    string? Metrics,
    string? Curves,
    string? Model,
    DemoVotes? Votes = null)
{
    /// <summary>A language model's last validation bits per character (null: a classifier).</summary>
    public double? BitsPerChar { get; init; }
}

/// <summary>
/// Redundant execution in the demo's JSON line: replicas computed and units applied, and the extra compute
/// (computed / applied − 1) overall and for the units of trusted nodes (reputations settled: one copy plus spot checks).
/// </summary>
internal sealed record DemoVotes(long Computed, long Applied, double? ExtraCompute, long SettledComputed, long SettledApplied, double? SettledExtraCompute, long Inconclusive, long Abandoned)
{
    /// <summary>The counts of <paramref name="votes"/> (null: none).</summary>
    public static DemoVotes? Of(Core.Redundancy.VoteCounts? votes) => votes is null ? null : new(
        votes.Computed, votes.Applied, Round(votes.ExtraCompute), votes.SettledComputed, votes.SettledApplied, Round(votes.SettledExtraCompute), votes.Inconclusive, votes.Abandoned);

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 4) : null;
}

/// <summary>
/// Who attacked in a demo run and what the coordinator made of every node: <c>attackers</c> (node
/// addresses), <c>quarantined</c> (the node and the seconds from the first job's submission to its
/// quarantine) and <c>reputation</c> (address → score) in the JSON line.
/// </summary>
internal sealed record DemoReputation(IReadOnlyList<string> Attackers, IReadOnlyList<QuarantinedNode> Quarantined, IReadOnlyDictionary<string, double> Reputation);

/// <summary>
/// A quarantined node in the demo's JSON line: its address, when (seconds from the first job's
/// submission; null: not known), and after how many rounds (the observations that judged it: rounds a
/// rule judged its contribution in, votes, spot checks).
/// </summary>
internal sealed record QuarantinedNode(string Node, double? Seconds, long Rounds);

/// <summary>
/// The demo's one JSON line: the single-job fields it has always had, of the first job, and a
/// <c>jobs</c> array with every job (<see cref="DemoJobJson"/>).
/// </summary>
internal static class DemoJson
{
    /// <summary>camelCase names; nulls left out (except a job's <c>reason</c>).</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The line for <paramref name="runs"/> (in the order they were submitted) on <paramref name="nodes"/> nodes, with the chaos report of the first job, the audit log's check, and who attacked and was quarantined.</summary>
    public static string Line(int nodes, IReadOnlyList<DemoJobRun> runs, object? chaos, DemoAuditReport? audit = null, DemoReputation? reputation = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
        {
            throw new ArgumentException("a demo runs at least one job", nameof(runs));
        }

        var (spec, final) = (runs[0].Spec, runs[0].Final);
        return JsonSerializer.Serialize(new
        {
            mode = "cluster",
            job = final.JobId,
            nodes,
            accuracy = Math.Round(final.Accuracy, 5),
            // a language model's validation bits per character and what it wrote at its last evaluation (absent for a classifier)
            bitsPerChar = BitsPerChar(final),
            // on each partition's held-out text (an era's, a party's), by partition
            bitsPerCharByPartition = final.Language && final.PartitionBits.Count > 0 ? final.PartitionBits.Select(b => Math.Round(b, 4)).ToArray() : null,
            sample = final.Sample,
            seconds = Math.Round(final.ElapsedSeconds, 2),
            samples = final.Samples,
            samplesPerSecond = Math.Round(final.SamplesPerSecond, 1),
            bytesSent = final.BytesSent,
            bytesPerSample = final.Samples > 0 ? Math.Round((double)final.BytesSent / final.Samples, 2) : (double?)null,
            bytesPulled = final.Trainers.Sum(t => t.BytesPulled),
            // a split job: what crosses both ways per sample (activations and labels out, gradients back, plus the data nodes' own layers)
            split = spec.Model.Split is { } split
                ? new
                {
                    cutAfter = split.CutAfter,
                    labels = split.Labels.ToString().ToLowerInvariant(),
                    codec = Codec(split.Codec),
                    bytesPerSampleBothWays = final.Samples > 0 ? Math.Round((double)(final.BytesSent + final.Trainers.Sum(t => t.BytesPulled)) / final.Samples, 1) : (double?)null,
                }
                : null,
            codecs = $"{Codec(spec.Wire.TrainerToAggregator)}/{Codec(spec.Wire.AggregatorToShard)}",
            localSteps = spec.LocalSteps,
            shardsPerNode = final.SlicesPerNode,
            updates = final.Updates,
            votes = DemoVotes.Of(final.Votes),
            privacy = final.Privacy is { } privacy ? new { epsilon = Math.Round(privacy.Epsilon, 4), delta = privacy.Delta, targetEpsilon = privacy.TargetEpsilon, steps = privacy.Steps } : null,
            secureAggregation = final.SecureAggregation is { } secure
                ? new
                {
                    rounds = secure.Rounds,
                    aborted = secure.Aborted,
                    recoveredDropouts = secure.RecoveredDropouts,
                    expansion = secure.Expansion is { } x ? Math.Round(x, 4) : (double?)null,
                    secondsPerRound = secure.SecondsPerRound is { } t ? Math.Round(t, 3) : (double?)null,
                    secureBytes = secure.SecureBytes,
                    plainBytes = secure.PlainBytes,
                }
                : null,
            secondsToTarget = SecondsToTarget(spec, final),
            samplesToTarget = AtTarget(spec, final)?.Samples,
            state = final.State.ToString(),
            reason = final.Message,
            model = runs[0].Model,
            chaos,
            audit = audit is null ? null : new { file = audit.File, entries = audit.Entries, verified = audit.Verified, head = new { sequence = audit.HeadSequence, hash = audit.HeadHash }, fault = audit.Fault },
            attackers = reputation?.Attackers,
            quarantined = reputation?.Quarantined,
            reputation = reputation?.Reputation,
            jobs = runs.Select(Job).ToArray(),
        }, Options);
    }

    /// <summary>One job's entry.</summary>
    public static DemoJobJson Job(DemoJobRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var s = run.Final;
        return new DemoJobJson(
            s.JobId,
            run.Spec.Name,
            s.Priority,
            s.MinTrainers,
            s.MaxTrainers,
            s.State.ToString(),
            s.Message,
            Math.Round(s.Accuracy, 5),
            Math.Round(s.ElapsedSeconds, 2),
            s.Samples,
            Math.Round(s.SamplesPerSecond, 1),
            s.Updates,
            s.BytesSent,
            SecondsToTarget(run.Spec, s),
            s.TrainersOverTime.FirstOrDefault(c => c.Trainers > 0) is { } first ? Math.Round(first.Seconds, 2) : null,
            [.. s.TrainersOverTime.Select(c => new TrainerCount(Math.Round(c.Seconds, 2), c.Trainers))],
            run.Metrics,
            run.Curves,
            run.Model,
            DemoVotes.Of(s.Votes))
        {
            BitsPerChar = BitsPerChar(s),
        };
    }

    /// <summary>The demo's exit code: 0 only when every job completed.</summary>
    public static int ExitCode(IEnumerable<DemoJobRun> runs) => runs.All(r => r.Completed) ? SeedCli.Success : SeedCli.Failure;

    private static double? SecondsToTarget(JobSpec spec, JobStatus final) => AtTarget(spec, final) is { } target ? Math.Round(target.Seconds, 2) : null;

    // the first evaluation at the target: accuracy, or a language model's bits per character
    private static EvaluationPoint? AtTarget(JobSpec spec, JobStatus final) =>
        final.Curve.FirstOrDefault(c => final.Language ? spec.TargetLoss > 0 && c.BitsPerCharacter <= spec.TargetLoss : c.Accuracy >= spec.TargetAccuracy);

    private static double? BitsPerChar(JobStatus final) => final.Language && !double.IsNaN(final.BitsPerCharacter) ? Math.Round(final.BitsPerCharacter, 4) : null;

    private static string Codec(CodecSpec codec) => codec.Kind switch
    {
        CodecKind.TopK or CodecKind.TopKInt8 => string.Create(CultureInfo.InvariantCulture, $"{codec.Kind.ToString().ToLowerInvariant()}:{codec.TopKFraction:0.####}"),
        _ => codec.Kind.ToString().ToLowerInvariant(),
    };
}
