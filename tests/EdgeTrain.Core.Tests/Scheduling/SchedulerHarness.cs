using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Scheduling;

namespace EdgeTrain.Core.Tests.Scheduling;

/// <summary>
/// A coordinator without an actor: a <see cref="CoordinatorState"/>, a clock, and the loop the
/// JobCoordinatorActor runs (decide, carry out, persist a finish as <see cref="JobEnded"/>, start a placed
/// job once its slices exist). Job ids are the job names.
/// </summary>
internal sealed class SchedulerHarness
{
    public static readonly DateTime T0 = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);

    public CoordinatorState State { get; } = new();

    public DateTime Now { get; private set; } = T0;

    public SchedulerOptions Options { get; init; } = SchedulerOptions.Default;

    /// <summary>Every event applied through <see cref="Persist"/>, in order (the coordinator's journal).</summary>
    public List<ICoordinatorEvent> Journal { get; } = [];

    public static JobSpec Spec(string name, int priority = 0, int min = 1, int max = 0, double target = 0.9, TimeSpan? limit = null) =>
        new(name,
            new ModelSpec(ModelKind.Mlp, [32], [], 0),
            new DataSpec("mnist", "data/mnist", PartitioningKind.Iid, 0),
            new OptimizerSpec(OptimizerKind.Sgd, 0.1, 0, 0),
            BatchSize: 64,
            MaxEpochs: 3,
            TargetAccuracy: target,
            TimeLimit: limit ?? TimeSpan.FromHours(1),
            SliceFloats: 8192,
            Seed: 1,
            Priority: priority,
            MinTrainers: min,
            MaxTrainers: max);

    /// <summary>Registers trainer nodes; the first named scores best (probe 10, 9, …).</summary>
    public SchedulerHarness Nodes(params string[] addresses)
    {
        for (var i = 0; i < addresses.Length; i++)
        {
            Node(addresses[i], probe: 10 - i);
        }

        return this;
    }

    public SchedulerHarness Node(string address, int slots = 1, double probe = 1, bool trains = true, string region = "r1")
    {
        State.Register(new TrainerNode(address, region, trains, slots, probe, true, true));
        return this;
    }

    public void Persist(ICoordinatorEvent e)
    {
        Journal.Add(e);
        State.Apply(e, Now);
    }

    public JobRecord Submit(string name, int priority = 0, int min = 1, int max = 0, double target = 0.9, TimeSpan? limit = null)
    {
        Persist(new JobSubmitted(name, Spec(name, priority, min, max, target, limit), [100, 100], Now));
        return State.Job(name)!;
    }

    public void Advance(double seconds) => Now = Now.AddSeconds(seconds);

    public IReadOnlyList<SchedulerDecision> Decide() => Scheduler.Decide(State, Now, Options);

    /// <summary>One round: decide, carry every decision out, and start the jobs placed (their slices exist at once).</summary>
    public IReadOnlyList<SchedulerDecision> Step(bool start = true)
    {
        var decisions = Decide();
        foreach (var decision in decisions)
        {
            State.Execute(decision, Now);
            if (decision is FinishJob finish)
            {
                Persist(new JobEnded(finish.JobId, finish.State, State.Job(finish.JobId)!.Accuracy, finish.Why));
            }
        }

        if (start)
        {
            foreach (var place in decisions.OfType<PlaceJob>())
            {
                State.Started(place.JobId, Now);
            }
        }

        return decisions;
    }

    /// <summary>A trainer's running totals in a job (a contribution every 10 samples).</summary>
    public void Report(string job, string node, long samples, string incarnation = "t1") =>
        State.Record(job, new TrainerReport(node, "r1", samples, 0.5, samples / 10, samples * 4, 1, 0.1, samples * 8, 20), incarnation, Now, Options);

    /// <summary>The job's trainer nodes, in order.</summary>
    public IReadOnlyList<string> On(string job) => [.. State.Job(job)!.Placement.Keys.Order(StringComparer.Ordinal)];
}
