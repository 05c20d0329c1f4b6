using Akka.Actor;
using Akka.Cluster.Sharding;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Models;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// Starts jobs, a child of the coordinator, each in attempts. An <see cref="Attempt"/> (what the
/// coordinator's state says now) checks that every params node's shard region has registered with the
/// shard coordinator (so that the slices spread over the nodes rather than all landing on the first),
/// then asks every slice that does not exist yet to be created (with the model layout's seeded initial
/// values) and every region's aggregator to take the job, each question with
/// <c>start-step-timeout</c>; both are idempotent. Each slice created is reported at once. When
/// everything answered it reports <see cref="Ready"/>; a slice that refuses to be created ends the
/// start with <see cref="Refused"/>; what was not answered (a shard that restarted drops what it had
/// buffered) is reported as <see cref="Waiting"/>, and after <c>start-retry-interval</c> it asks the
/// coordinator for a fresh attempt (<see cref="AttemptAgain"/>). A new attempt for a job replaces the
/// one under way (answers to the old one are dropped); <see cref="Cancel"/> drops the job.
/// </summary>
public sealed class JobStarterActor : ReceiveActor, IWithTimers
{
    private readonly Dictionary<string, Start> jobs = new(StringComparer.Ordinal);
    private readonly IActorRef shards;
    private readonly IActorRef aggregators;
    private readonly TimeSpan timeout;
    private readonly TimeSpan retryAfter;
    private int attempts;

    /// <summary>Creates the starter.</summary>
    public JobStarterActor(IActorRef shards, IActorRef aggregators, TimeSpan timeout, TimeSpan retryAfter)
    {
        this.shards = shards;
        this.aggregators = aggregators;
        this.timeout = timeout;
        this.retryAfter = retryAfter;
        Receive<Attempt>(Begin);
        Receive<Cancel>(cancel => Drop(cancel.JobId));
        Receive<RegionsKnown>(known => Current(known.JobId, known.Number) is not null, Ask);
        Receive<Answer>(answer => Current(answer.JobId, answer.Number) is not null, Answered);
        Receive<RetryDue>(due => Current(due.JobId, due.Number) is not null, due => Context.Parent.Tell(new AttemptAgain(due.JobId)));
        ReceiveAny(_ => { }); // an answer to an attempt that was replaced or cancelled
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the starter.</summary>
    public static Props Props(IActorRef shards, IActorRef aggregators, TimeSpan timeout, TimeSpan retryAfter) =>
        Akka.Actor.Props.Create(() => new JobStarterActor(shards, aggregators, timeout, retryAfter));

    private Start? Current(string jobId, int number) => jobs.TryGetValue(jobId, out var start) && start.Number == number ? start : null;

    private void Begin(Attempt attempt)
    {
        var start = new Start(attempt, ++attempts);
        jobs[attempt.JobId] = start;
        Timers.Cancel(attempt.JobId);
        if (attempt.Missing is { } missing)
        {
            Wait(start, missing);
            return;
        }

        var (jobId, number, seconds) = (attempt.JobId, start.Number, timeout.TotalSeconds);
        shards.Ask<CurrentRegions>(GetCurrentRegions.Instance, timeout).PipeTo(Self,
            success: regions => new RegionsKnown(jobId, number, regions.Regions.Count, null),
            failure: _ => new RegionsKnown(jobId, number, 0, $"the parameter shard coordinator did not answer within {seconds:0} s"));
    }

    private void Ask(RegionsKnown known)
    {
        var start = jobs[known.JobId];
        var attempt = start.Attempt;
        if (known.Problem is not null || known.Count < attempt.ParamsNodes)
        {
            Wait(start, known.Problem ?? $"{known.Count} of {attempt.ParamsNodes} params nodes have registered their shard regions");
            return;
        }

        var (jobId, number, seconds) = (attempt.JobId, start.Number, timeout.TotalSeconds);
        start.Outstanding = attempt.Aggregators.Length + attempt.SlicesToCreate.Length;
        foreach (var configure in attempt.Aggregators)
        {
            var region = configure.Region;
            aggregators.Ask<AggregatorConfigured>(configure, timeout).PipeTo(Self,
                success: done => new Answer(jobId, number, -1, done, null),
                failure: _ => new Answer(jobId, number, -1, null, $"the aggregator of region {region} did not answer within {seconds:0} s"));
        }

        var initial = attempt.SlicesToCreate.Length == 0 ? [] : ModelLayout.Of(attempt.Spec.Model).InitialSlices(attempt.Spec.Seed, attempt.Spec.SliceFloats);
        foreach (var slice in attempt.SlicesToCreate)
        {
            var index = slice;
            shards.Ask<object>(new InitSlice(jobId, index, initial[index], attempt.Spec.ShardOptimizer, attempt.SnapshotEvery), timeout).PipeTo(Self,
                success: reply => new Answer(jobId, number, index, reply, null),
                failure: _ => new Answer(jobId, number, index, null, $"slice {index} was not created within {seconds:0} s (its shard on a params node may still be starting)"));
        }

        if (start.Outstanding == 0)
        {
            Finish(new Ready(jobId));
        }
    }

    private void Answered(Answer answer)
    {
        var start = jobs[answer.JobId];
        switch (answer.Reply)
        {
            case SliceInitialized:
                Context.Parent.Tell(new SliceCreated(answer.JobId, answer.Slice));
                break;
            case SliceInitRefused refused:
                Finish(new Refused(answer.JobId, refused.Reason));
                return;
            case null or AggregatorConfigured:
                break;
            default:
                start.Unanswered ??= $"slice {answer.Slice} answered {answer.Reply.GetType().Name}";
                break;
        }

        start.Unanswered ??= answer.Problem;
        if (--start.Outstanding > 0)
        {
            return;
        }

        if (start.Unanswered is null)
        {
            Finish(new Ready(answer.JobId));
        }
        else
        {
            Wait(start, start.Unanswered);
        }
    }

    private void Wait(Start start, string reason)
    {
        Context.Parent.Tell(new Waiting(start.Attempt.JobId, reason));
        Timers.StartSingleTimer(start.Attempt.JobId, new RetryDue(start.Attempt.JobId, start.Number), retryAfter);
    }

    private void Finish(object outcome)
    {
        var jobId = outcome switch
        {
            Ready r => r.JobId,
            Refused r => r.JobId,
            _ => throw new ArgumentException("not an outcome", nameof(outcome)),
        };
        Drop(jobId);
        Context.Parent.Tell(outcome);
    }

    private void Drop(string jobId)
    {
        jobs.Remove(jobId);
        Timers.Cancel(jobId);
    }

    /// <summary>
    /// An attempt to start job <paramref name="JobId"/> as the coordinator's state says now: the slices still
    /// to create, each region's aggregator configuration, the params nodes whose shard regions must be known
    /// first, and what is missing altogether (no params or aggregator node yet: the attempt only waits).
    /// </summary>
    public sealed record Attempt(string JobId, JobSpec Spec, int[] SlicesToCreate, ConfigureAggregator[] Aggregators, int ParamsNodes, int SnapshotEvery, string? Missing);

    /// <summary>Stop starting the job (it was paused, preempted, cancelled or ended); answers still under way are dropped.</summary>
    public sealed record Cancel(string JobId);

    /// <summary>To the coordinator: slice <paramref name="Slice"/> of the job exists on its shard.</summary>
    public sealed record SliceCreated(string JobId, int Slice);

    /// <summary>To the coordinator: every slice exists and every region's aggregator of the latest attempt knows the job.</summary>
    public sealed record Ready(string JobId);

    /// <summary>To the coordinator: the job waits for <paramref name="Reason"/>; a fresh attempt is asked for shortly.</summary>
    public sealed record Waiting(string JobId, string Reason);

    /// <summary>To the coordinator: a slice refused to be created (non-finite values, or trained values that cannot be recovered); the job cannot start.</summary>
    public sealed record Refused(string JobId, string Reason);

    /// <summary>To the coordinator: time for another <see cref="Attempt"/> of the job.</summary>
    public sealed record AttemptAgain(string JobId);

    // the attempt of a job under way: its number, the questions not yet answered, and the first that went unanswered
    private sealed class Start(Attempt attempt, int number)
    {
        public Attempt Attempt { get; } = attempt;

        public int Number { get; } = number;

        public int Outstanding { get; set; }

        public string? Unanswered { get; set; }
    }

    private sealed record RegionsKnown(string JobId, int Number, int Count, string? Problem);

    // the answer to one question of an attempt: a slice's (Slice ≥ 0) or an aggregator's reply, or what was not answered
    private sealed record Answer(string JobId, int Number, int Slice, object? Reply, string? Problem);

    private sealed record RetryDue(string JobId, int Number);
}
