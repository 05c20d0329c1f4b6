using Akka.Actor;
using Akka.Cluster.Sharding;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Models;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// One attempt to start a job, a child of the coordinator. It checks that every params node's shard
/// region has registered with the shard coordinator (so that the slices spread over the nodes rather
/// than all landing on the first), then asks every slice that does not exist yet to be created (with
/// the model layout's seeded initial values) and every region's aggregator to take the job, each
/// question with <c>start-step-timeout</c>. Both are idempotent. It reports each slice created as it
/// is, then one outcome — <see cref="Ready"/>, <see cref="Waiting"/> (what was not answered: the
/// coordinator tries again later) or <see cref="Refused"/> (a slice refused to be created: the job
/// cannot start) — and stops.
/// </summary>
public sealed class JobStarterActor : ReceiveActor
{
    private readonly Attempt attempt;
    private readonly IActorRef shards;
    private readonly IActorRef aggregators;
    private readonly TimeSpan timeout;
    private int outstanding;
    private string? unanswered;

    /// <summary>Creates the attempt.</summary>
    public JobStarterActor(Attempt attempt, IActorRef shards, IActorRef aggregators, TimeSpan timeout)
    {
        this.attempt = attempt;
        this.shards = shards;
        this.aggregators = aggregators;
        this.timeout = timeout;
        Receive<RegionsKnown>(Ask);
        Receive<SliceAnswered>(Answered);
        Receive<StepDone>(done => Done(done.Unanswered));
        Receive<Waiting>(Finish);
    }

    /// <summary>Props for an attempt.</summary>
    public static Props Props(Attempt attempt, IActorRef shards, IActorRef aggregators, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new JobStarterActor(attempt, shards, aggregators, timeout));

    /// <inheritdoc />
    protected override void PreStart()
    {
        var seconds = timeout.TotalSeconds;
        var (jobId, number) = (attempt.JobId, attempt.Number);
        shards.Ask<CurrentRegions>(GetCurrentRegions.Instance, timeout).PipeTo(Self,
            success: regions => new RegionsKnown(regions.Regions.Count),
            failure: _ => new Waiting(jobId, number, $"the parameter shard coordinator did not answer within {seconds:0} s"));
    }

    private void Ask(RegionsKnown known)
    {
        if (known.Count < attempt.ParamsNodes)
        {
            Finish(new Waiting(attempt.JobId, attempt.Number, $"{known.Count} of {attempt.ParamsNodes} params nodes have registered their shard regions"));
            return;
        }

        var seconds = timeout.TotalSeconds;
        outstanding = attempt.Aggregators.Length + attempt.SlicesToCreate.Length;
        foreach (var configure in attempt.Aggregators)
        {
            var region = configure.Region;
            aggregators.Ask<AggregatorConfigured>(configure, timeout).PipeTo(Self,
                success: _ => new StepDone(null),
                failure: _ => new StepDone($"the aggregator of region {region} did not answer within {seconds:0} s"));
        }

        if (attempt.SlicesToCreate.Length > 0)
        {
            var initial = ModelLayout.Of(attempt.Spec.Model).InitialSlices(attempt.Spec.Seed, attempt.Spec.SliceFloats);
            foreach (var slice in attempt.SlicesToCreate)
            {
                var index = slice;
                shards.Ask<object>(new InitSlice(attempt.JobId, index, initial[index], attempt.Spec.ShardOptimizer, attempt.SnapshotEvery), timeout).PipeTo(Self,
                    success: reply => new SliceAnswered(index, reply),
                    failure: _ => new StepDone($"slice {index} was not created within {seconds:0} s (its shard on a params node may still be starting)"));
            }
        }

        if (outstanding == 0)
        {
            Finish(new Ready(attempt.JobId, attempt.Number));
        }
    }

    private void Answered(SliceAnswered answer)
    {
        switch (answer.Reply)
        {
            case SliceInitialized:
                Context.Parent.Tell(new SliceCreated(attempt.JobId, answer.Slice));
                Done(null);
                break;
            case SliceInitRefused refused:
                Finish(new Refused(attempt.JobId, attempt.Number, refused.Reason));
                break;
            default:
                Done($"slice {answer.Slice} answered {answer.Reply.GetType().Name}");
                break;
        }
    }

    private void Done(string? problem)
    {
        unanswered ??= problem;
        if (--outstanding == 0)
        {
            Finish(unanswered is null ? new Ready(attempt.JobId, attempt.Number) : new Waiting(attempt.JobId, attempt.Number, unanswered));
        }
    }

    private void Finish(object outcome)
    {
        Context.Parent.Tell(outcome);
        Context.Stop(Self);
    }

    /// <summary>
    /// Attempt <paramref name="Number"/> to start job <paramref name="JobId"/>: the slices still to create,
    /// the configuration of each region's aggregator, and the params nodes whose shard regions must be known first.
    /// </summary>
    public sealed record Attempt(string JobId, int Number, JobSpec Spec, int[] SlicesToCreate, ConfigureAggregator[] Aggregators, int ParamsNodes, int SnapshotEvery);

    /// <summary>Slice <paramref name="Slice"/> of the job exists on its shard.</summary>
    public sealed record SliceCreated(string JobId, int Slice);

    /// <summary>Every slice exists and every aggregator knows the job: its trainers may start.</summary>
    public sealed record Ready(string JobId, int Attempt);

    /// <summary>Something was not answered in time; <paramref name="Reason"/> says what. The job waits and the coordinator tries again.</summary>
    public sealed record Waiting(string JobId, int Attempt, string Reason);

    /// <summary>A slice refused to be created (non-finite values, or trained values that cannot be recovered): the job cannot start.</summary>
    public sealed record Refused(string JobId, int Attempt, string Reason);

    private sealed record RegionsKnown(int Count);

    private sealed record SliceAnswered(int Slice, object Reply);

    private sealed record StepDone(string? Unanswered);
}
