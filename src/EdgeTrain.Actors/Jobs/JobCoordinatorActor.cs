using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Parameters;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Membership;
using EdgeTrain.Core.Scheduling;
using EdgeTrain.Training.Models;
using static EdgeTrain.Actors.Jobs.CheckpointProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// The JobCoordinator: a persistent cluster singleton on the seed role, and a thin one. What it knows
/// is a <see cref="CoordinatorState"/>: persisted events change it through the same
/// <see cref="CoordinatorState.Apply"/> on recovery and live, and what the nodes report goes in
/// through its observation methods. What to do comes from <see cref="Scheduler.Decide"/> (queue by
/// priority, reservations, placement by measured speed, preemption, migration, the end of a job);
/// this actor persists, carries the decisions out (trainers started and stopped, aggregators told),
/// schedules and replies. Its children do the rest: <see cref="JobStarterActor"/> (a job's slices and
/// aggregators, one attempt at a time), <see cref="SliceMonitorActor"/> (slice health, where slices
/// live, the audit's questions), <see cref="CheckpointStoreActor"/> (checkpoint files) and
/// <see cref="EvaluatorActor"/> (accuracy on the held-out set, the saved model).
/// </summary>
public sealed class JobCoordinatorActor : ReceivePersistentActor, IWithTimers
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly CoordinatorState state = new();
    private readonly Dictionary<string, RegisterNode> registrations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (IActorRef Starter, JobStarterActor.Attempt Attempt)> starting = new(StringComparer.Ordinal);
    private readonly IActorRef shards;
    private readonly IActorRef aggregators;
    private readonly SliceMessageExtractor sliceExtractor;
    private readonly EdgeTrainSettings settings;
    private readonly TimeProvider time;
    private IActorRef evaluator = ActorRefs.Nobody;
    private IActorRef monitor = ActorRefs.Nobody;
    private IActorRef checkpoints = ActorRefs.Nobody;
    private int attempts;
    private bool takenOver;

    /// <summary>Creates the coordinator; <paramref name="time"/> is its clock (the system's when null).</summary>
    public JobCoordinatorActor(IActorRef shards, IActorRef aggregators, SliceMessageExtractor sliceExtractor, EdgeTrainSettings settings, TimeProvider? time = null)
    {
        this.shards = shards;
        this.aggregators = aggregators;
        this.sliceExtractor = sliceExtractor;
        this.settings = settings;
        this.time = time ?? TimeProvider.System;

        Recover<ICoordinatorEvent>(e => state.Apply(e, Now));
        Recover<RecoveryCompleted>(_ =>
        {
            var unfinished = state.Jobs.Where(j => !j.Finished).ToList();
            foreach (var job in unfinished)
            {
                log.Info("coordinator: job {0} ({1}) taken up; the scheduler places it once the nodes have registered", job.JobId, job.State);
                Watch(job);
            }

            // the nodes register with a coordinator that took over within a second or two: deciding
            // before would place the jobs it took up on the first of them only
            takenOver = unfinished.Count == 0;
            Timers.StartSingleTimer(nameof(TakeOver), TakeOver.Instance, settings.TakeoverDelay);
        });

        Command<RegisterNode>(Register);
        Command<ClusterEvent.MemberRemoved>(removed => Lose(removed.Member.Address.ToString(), $"removed ({removed.PreviousStatus})"));
        Command<ClusterEvent.UnreachableMember>(u => state.NoteAll($"node {u.Member.Address} unreachable", Now));
        Command<ClusterEvent.IClusterDomainEvent>(_ => { });
        Command<SubmitJob>(Submit);
        Command<ControlJob>(Control);
        Command<SetJobPriority>(SetPriority);
        Command<DrainNode>(Drain);
        Command<TrainerProgress>(p => state.Record(p.JobId, CoordinatorViews.Report(p), Sender.Path.ToStringWithUid(), Now, settings.Scheduler));
        Command<AggregatorProgress>(p => state.Record(p.JobId, new AggregatorReport(p.Region, p.AggregatorId, p.MergedSent, p.Acknowledged, p.BytesSent, p.AckedContiguous)));
        Command<TrainerFailed>(f =>
        {
            log.Warning("coordinator: job {0}: trainer on {1} cannot train: {2}", f.JobId, f.Node, f.Reason);
            Carry(state.TrainerFailed(f.JobId, f.Node, f.Reason, Now));
            if (state.NoTrainerCanTrain(f.JobId) is { } reason)
            {
                Finish(f.JobId, JobState.Failed, reason);
                return;
            }

            DecideNow();
        });
        Command<JobStarterActor.SliceCreated>(c => state.SliceCreated(c.JobId, c.Slice));
        Command<JobStarterActor.Ready>(Ready);
        Command<JobStarterActor.Waiting>(w => Retry(w.JobId, w.Attempt, w.Reason));
        Command<JobStarterActor.Refused>(r => Ended(r.JobId, r.Attempt, _ => Finish(r.JobId, JobState.Failed, "could not start: " + r.Reason)));
        Command<StartAgain>(again => BeginStart(again.JobId));
        Command<Decide>(_ => DecideNow());
        Command<TakeOver>(_ =>
        {
            takenOver = true;
            DecideNow();
        });
        Command<EvaluateAll>(_ => Evaluate());
        Command<EvaluatorActor.Evaluated>(Evaluated);
        Command<EvaluatorActor.EvaluationFailed>(f =>
        {
            state.EvaluationDone(f.JobId);
            log.Warning("coordinator: evaluation of {0} failed: {1}", f.JobId, f.Reason);
        });
        Command<SliceMonitorActor.SlicesHomed>(h => state.Homed(h.JobId, h.SlicesPerNode));
        Command<GetSliceHealth>(get => Known(get.JobId, _ => monitor.Forward(get)));
        Command<AuditUpdates>(a => Known(a.JobId, job => monitor.Tell(new SliceMonitorActor.Audit(job.JobId, job.SliceLengths.Length, Sender))));
        Command<SliceMonitorActor.SlicesAudited>(a => a.ReplyTo.Tell(a.Problem is null && state.Job(a.JobId) is { } job
            ? new UpdateAudit(a.JobId, job.Audit(a.Slices).Acknowledged, job.Audit(a.Slices).Lost, null)
            : new UpdateAudit(a.JobId, 0, 0, a.Problem ?? $"no job '{a.JobId}'")));
        Command<SaveCheckpoint>(save => Checkpointed(save.JobId, null, job =>
            checkpoints.Tell(new CheckpointStoreActor.Save(job.JobId, state.ReserveCheckpointId(job.JobId), save.Label, job.SliceLengths.Length, Sender)), always: true));
        Command<CheckpointStoreActor.Written>(Written);
        Command<CheckpointStoreActor.Noted>(n => state.Note(n.JobId, n.Text, Now));
        Command<ListCheckpoints>(list => Checkpointed(list.JobId, null, job =>
            Sender.Tell(new CheckpointList(job.JobId, [.. job.Checkpoints.Select(c => CheckpointStoreActor.Info(job.JobId, c))])), always: true));
        Command<RollbackCheckpoint>(r => Checkpointed(r.JobId, r.CheckpointId, job =>
            checkpoints.Tell(new CheckpointStoreActor.Rollback(job.JobId, job.Checkpoint(r.CheckpointId)!, job.SliceLengths, Sender))));
        Command<FetchCheckpoint>(f => Checkpointed(f.JobId, f.CheckpointId, job =>
            checkpoints.Tell(new CheckpointStoreActor.Fetch(CheckpointStoreActor.Info(job.JobId, job.Checkpoint(f.CheckpointId)!), f.Offset, Sender))));
        Command<GetJobStatus>(get => Sender.Tell((get.JobId is null ? state.Jobs.LastOrDefault() : state.Job(get.JobId)) is { } job
            ? CoordinatorViews.Status(job, Now)
            : new JobUnknown(get.JobId)));
        Command<ListJobs>(_ => Sender.Tell(new JobList([.. state.Jobs.Select(j => CoordinatorViews.Status(j, Now))])));
        Command<GetJobQueue>(_ => Sender.Tell(CoordinatorViews.Queue(state)));
        Command<GetNodes>(_ => Sender.Tell(CoordinatorViews.Nodes(state, registrations, settings.Scheduler)));
        Command<GetNodeActivity>(_ => Sender.Tell(CoordinatorViews.Activity(state, registrations)));
        Command<Status.Failure>(f => log.Debug("coordinator: {0}", f.Cause.Message));
    }

    /// <inheritdoc />
    public override string PersistenceId => "job-coordinator";

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Props for the coordinator.</summary>
    public static Props Props(IActorRef shards, IActorRef aggregators, SliceMessageExtractor sliceExtractor, EdgeTrainSettings settings, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new JobCoordinatorActor(shards, aggregators, sliceExtractor, settings, time));

    /// <inheritdoc />
    protected override void PreStart()
    {
        evaluator = Context.ActorOf(EvaluatorActor.Props(shards, settings.SliceAskTimeout), "evaluator");
        monitor = Context.ActorOf(SliceMonitorActor.Props(shards, aggregators, sliceExtractor, settings, time), "slices");
        checkpoints = Context.ActorOf(CheckpointStoreActor.Props(shards, settings.DataDirectory, settings.SliceAskTimeout, time), "checkpoints");
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer(nameof(EvaluateAll), EvaluateAll.Instance, settings.EvaluationInterval);
        Timers.StartPeriodicTimer("scheduler", Decide.Instance, settings.SchedulerInterval);
        base.PreStart();
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        base.PostStop();
    }

    private void Register(RegisterNode node)
    {
        registrations[node.Address] = node;
        Sender.Tell(new NodeRegistered(node.Address));
        if (state.Register(CoordinatorViews.Node(node)))
        {
            log.Info("coordinator: node {0} ({1}, roles {2}, {3} trainer slot(s)): {4}", node.Address, node.Region, string.Join(",", node.Roles), node.TrainerSlots, CapabilityScore.Describe(node.Capabilities));
            DecideNow();
        }
    }

    // A node is gone for good (left, or downed): its slices come back on other params nodes by themselves
    // (the slice monitor's check sends them a message), its trainers' partitions move here.
    private void Lose(string address, string why)
    {
        if (!registrations.Remove(address))
        {
            return;
        }

        log.Info("coordinator: node {0} {1}", address, why);
        var homed = state.Jobs.Where(j => j.SlicesPerNode.ContainsKey(address)).Select(j => j.JobId).ToList();
        if (homed.Count > 0)
        {
            state.NoteAll($"node {address} {why}; the slices of {string.Join(", ", homed)} it held restart on other nodes", Now);
        }

        var changes = state.Lose(address, why, Now);
        foreach (var change in changes)
        {
            Carry(change);
        }

        DecideNow();
    }

    private void Submit(SubmitJob submit)
    {
        var spec = submit.Spec;
        int[] sliceLengths;
        try
        {
            sliceLengths = ModelLayout.Of(spec.Model).SliceLengths(spec.SliceFloats);
        }
        catch (ArgumentException e)
        {
            Sender.Tell(new JobRejected(spec.Name, $"the model cannot be built: {e.Message}"));
            return;
        }

        if (state.Refusal(spec) is { } refusal)
        {
            Sender.Tell(new JobRejected(spec.Name, refusal));
            return;
        }

        var sender = Sender;
        Persist(new JobSubmitted(state.NextJobId(spec), spec, sliceLengths, Now), e =>
        {
            state.Apply(e, Now);
            log.Info("coordinator: job {0} accepted (priority {1}, trainers {2}): {3} slices of at most {4} floats",
                e.JobId, spec.Priority, $"{spec.MinTrainers}..{(spec.MaxTrainers == 0 ? "any" : spec.MaxTrainers)}", sliceLengths.Length, spec.SliceFloats);
            sender.Tell(new JobAccepted(e.JobId));
            DecideNow();
        });
    }

    // the scheduler's decisions, carried out in order; a job that ends is persisted first
    private void DecideNow()
    {
        if (!takenOver)
        {
            return;
        }

        var now = Now;
        foreach (var decision in Scheduler.Decide(state, now, settings.Scheduler))
        {
            if (decision is FinishJob finish)
            {
                Finish(finish.JobId, finish.State, finish.Why.Length == 0 ? null : finish.Why);
                continue;
            }

            if (decision is not QueueJob)
            {
                log.Info("coordinator: {0}", decision);
            }

            Carry(state.Execute(decision, now));
        }
    }

    // carries out what a decision or an observation changed: a job to start, trainers to (re)start or stop
    private void Carry(TrainerChanges changes)
    {
        if (state.Job(changes.JobId) is not { } job)
        {
            return;
        }

        foreach (var address in changes.Stop)
        {
            Host(address)?.Tell(new StopTraining(job.JobId));
        }

        if (changes.StartJob && !starting.ContainsKey(job.JobId))
        {
            BeginStart(job.JobId);
        }

        if (changes.Train.Count > 0)
        {
            Watch(job);
            foreach (var address in changes.Train)
            {
                if (Host(address) is { } host && job.Placement.TryGetValue(address, out var parts) && parts.Count > 0 && registrations.TryGetValue(address, out var node))
                {
                    host.Tell(new StartTraining(job.JobId, job.Spec, [.. parts], job.Partitions, node.Region, job.SliceLengths, Self, Math.Max(1, job.Regions.Count)));
                }
            }
        }
    }

    private IActorRef? Host(string address) => registrations.TryGetValue(address, out var node) ? node.TrainerHost : null;

    private void Watch(JobRecord job) =>
        monitor.Tell(new SliceMonitorActor.Watch(job.JobId, job.SliceLengths.Length, AggregatorConfigurations.For(job, state.Nodes, settings)));

    // One attempt to create the job's missing slices and configure its aggregators (JobStarterActor).
    private void BeginStart(string jobId)
    {
        if (state.Job(jobId) is not { State: JobState.Starting } job || starting.ContainsKey(jobId))
        {
            return;
        }

        var paramsNodes = state.Nodes.Values.Count(n => n.HostsParams);
        var missing = paramsNodes == 0 ? "no node with the params role has registered"
            : !state.Nodes.Values.Any(n => n.HostsAggregator) ? "no node with the aggregator role has registered"
            : null;
        if (missing is not null)
        {
            Retry(jobId, 0, missing);
            return;
        }

        var attempt = new JobStarterActor.Attempt(jobId, ++attempts, job.Spec, [.. job.SlicesToCreate], AggregatorConfigurations.For(job, state.Nodes, settings), paramsNodes, settings.SnapshotEvery);
        state.StartWaiting(jobId, $"creating slices [{string.Join(",", attempt.SlicesToCreate)}] on the params nodes and configuring the aggregators of [{string.Join(", ", job.Regions)}]", Now);
        starting[jobId] = (Context.ActorOf(JobStarterActor.Props(attempt, shards, aggregators, settings.StartStepTimeout), $"start-{attempts}"), attempt);
    }

    // the attempt's outcome, if it is the job's current one
    private void Ended(string jobId, int attempt, Action<JobStarterActor.Attempt> then)
    {
        if (starting.TryGetValue(jobId, out var current) && current.Attempt.Number == attempt)
        {
            starting.Remove(jobId);
            then(current.Attempt);
        }
    }

    private void Ready(JobStarterActor.Ready ready) => Ended(ready.JobId, ready.Attempt, attempt =>
    {
        if (state.Job(ready.JobId) is not { State: JobState.Starting } job)
        {
            return;
        }

        // a region that joined the job while it started needs its aggregator configured first
        if (job.Regions.Any(r => !attempt.Aggregators.Any(c => c.Region == r)))
        {
            BeginStart(job.JobId);
            return;
        }

        log.Info("coordinator: job {0} is training on {1}", job.JobId, CoordinatorState.Describe(job));
        Carry(state.Started(job.JobId, Now));
    });

    // the job waits for reason (shown in its status) and its start is tried again shortly
    private void Retry(string jobId, int attempt, string reason)
    {
        if (attempt != 0 && !starting.Remove(jobId))
        {
            return;
        }

        if (state.Job(jobId) is { State: JobState.Starting } job)
        {
            if (job.WaitingFor != reason)
            {
                log.Info("coordinator: job {0} waits: {1}", jobId, reason);
            }

            state.StartWaiting(jobId, reason, Now);
            Timers.StartSingleTimer("start-" + jobId, new StartAgain(jobId), settings.StartRetryInterval);
        }
    }

    private void Evaluate()
    {
        foreach (var jobId in state.EvaluationsDue(Now, settings.EvaluationTimeout))
        {
            var job = state.Job(jobId)!;
            evaluator.Tell(new EvaluatorActor.Evaluate(job.JobId, job.Spec, job.SliceLengths, null));
        }
    }

    private void Evaluated(EvaluatorActor.Evaluated evaluated)
    {
        state.EvaluationDone(evaluated.JobId);
        if (evaluated.SavedModel is { } path)
        {
            log.Info("coordinator: job {0}: model saved to {1}", evaluated.JobId, path);
            evaluator.Tell(new EvaluatorActor.Forget(evaluated.JobId));
            return;
        }

        state.Evaluated(evaluated.JobId, evaluated.Accuracy, Now);
        log.Info("coordinator: job {0}: accuracy {1:P2} after {2} samples", evaluated.JobId, evaluated.Accuracy, state.Job(evaluated.JobId)?.Samples ?? 0);
        DecideNow();
    }

    private void Finish(string jobId, JobState end, string? message, Action? then = null)
    {
        if (state.Job(jobId) is not { Finished: false } job)
        {
            return;
        }

        Carry(state.Execute(new FinishJob(jobId, end, message ?? ""), Now));
        StopStarting(jobId);
        monitor.Tell(new SliceMonitorActor.Unwatch(jobId));
        var model = JobFiles.ModelPath(settings.DataDirectory, jobId);
        if (end is JobState.Completed or JobState.TimedOut)
        {
            evaluator.Tell(new EvaluatorActor.Evaluate(jobId, job.Spec, job.SliceLengths, model));
        }

        var text = message ?? (end == JobState.Completed ? $"reached {job.Accuracy:P2}; model in {model}" : $"stopped at {job.Accuracy:P2}; model in {model}");
        Persist(new JobEnded(jobId, end, job.Accuracy, text), e =>
        {
            state.Apply(e, Now);
            log.Info("coordinator: job {0} {1}: {2}", jobId, e.State, e.Message);
            then?.Invoke();
            DecideNow();
        });
    }

    // An operator pauses, resumes or cancels a job (edgetrain-cmd job pause|resume|cancel).
    private void Control(ControlJob control) => Known(control.JobId, job =>
    {
        if (job.Refusal(control.Action) is { } reason)
        {
            Sender.Tell(new JobControlRefused(job.JobId, control.Action, reason));
            return;
        }

        var replyTo = Sender;
        var stop = job.Placement.Keys.ToList();
        ICoordinatorEvent? e = control.Action switch
        {
            JobControl.Pause => new JobPaused(job.JobId, Now, control.By),
            JobControl.Resume => new JobResumed(job.JobId, Now, control.By),
            _ => null,
        };
        if (e is null)
        {
            Finish(job.JobId, JobState.Cancelled, $"cancelled by {control.By} at {job.Accuracy:P2}", () =>
                replyTo.Tell(new JobControlled(job.JobId, JobControl.Cancel, JobState.Cancelled, $"job {job.JobId} cancelled")));
            return;
        }

        Persist(e, persisted =>
        {
            StopStarting(job.JobId);
            state.Apply(persisted, Now);
            Carry(new TrainerChanges(job.JobId, [], control.Action == JobControl.Pause ? stop : []));
            log.Info("coordinator: job {0} {1} by {2}", job.JobId, job.State, control.By);
            replyTo.Tell(new JobControlled(job.JobId, control.Action, job.State, control.Action == JobControl.Pause
                ? $"job {job.JobId} paused; its trainers stopped on {stop.Count} node(s)"
                : $"job {job.JobId} resumed; it waits for the scheduler to place its trainers"));
            DecideNow();
        });
    });

    private void StopStarting(string jobId)
    {
        if (starting.Remove(jobId, out var start))
        {
            Context.Stop(start.Starter);
        }
    }

    private void SetPriority(SetJobPriority set) => Known(set.JobId, job =>
    {
        if (job.Finished)
        {
            Sender.Tell(new JobControlRefused(job.JobId, JobControl.Resume, $"job {job.JobId} has already ended ({job.State})"));
            return;
        }

        var replyTo = Sender;
        var before = job.Priority;
        Persist(new JobPriorityChanged(job.JobId, set.Priority, Now, set.By), e =>
        {
            state.Apply(e, Now);
            DecideNow();
            replyTo.Tell(new JobPrioritySet(job.JobId, e.Priority, $"job {job.JobId}: priority {before} -> {e.Priority}; it is {job.State.ToString().ToLowerInvariant()} with {job.Placement.Count} trainer(s)"));
        });
    });

    private void Drain(DrainNode drain)
    {
        if (!state.Nodes.ContainsKey(drain.Address))
        {
            Sender.Tell(new NodeUnknown(drain.Address, [.. state.Nodes.Keys.Order(StringComparer.Ordinal)]));
            return;
        }

        var replyTo = Sender;
        Persist(new NodeDrained(drain.Address, Now, drain.By), e =>
        {
            state.Apply(e, Now);
            var jobs = state.JobsOn(e.Address);
            log.Info("coordinator: node {0} drained by {1}; it finishes {2} job(s)", e.Address, e.By, jobs.Count);
            replyTo.Tell(new NodeDraining(e.Address, [.. jobs], jobs.Count == 0
                ? $"node {e.Address} takes no more work; it trains nothing now"
                : $"node {e.Address} takes no more work; it finishes {string.Join(", ", jobs)}"));
        });
    }

    private void Written(CheckpointStoreActor.Written written)
    {
        if (state.Job(written.JobId) is null)
        {
            written.ReplyTo.Tell(new CheckpointFailed(written.JobId, $"no job '{written.JobId}'"));
            return;
        }

        var c = written.Checkpoint;
        Persist(new CheckpointTaken(written.JobId, c.Id, c.TakenUtc, c.Label, c.Versions, c.Lengths, c.ContentHash), e =>
        {
            state.Apply(e, Now);
            state.Note(e.JobId, $"checkpoint {e.Id} taken{(e.Label is null ? "" : $" ({e.Label})")}: slice versions [{string.Join(",", e.Versions)}]", Now);
            log.Info("coordinator: job {0}: checkpoint {1} taken in {2}", e.JobId, e.Id, written.Path);
            written.ReplyTo.Tell(new CheckpointSaved(CheckpointStoreActor.Info(e.JobId, c)));
        });
    }

    private void Known(string jobId, Action<JobRecord> then)
    {
        if (state.Job(jobId) is { } job)
        {
            then(job);
        }
        else
        {
            Sender.Tell(new JobUnknown(jobId));
        }
    }

    // a checkpoint request for a known job and checkpoint (the newest when id is null; none needed when always)
    private void Checkpointed(string jobId, long? id, Action<JobRecord> then, bool always = false)
    {
        var job = state.Job(jobId);
        var unknown = job is null ? $"no job '{jobId}'"
            : always ? null
            : job.Checkpoints.Count == 0 ? $"job {jobId} has no checkpoints; save one first"
            : job.Checkpoint(id) is null ? $"job {jobId} has no checkpoint {id}; it has {string.Join(", ", job.Checkpoints.Select(c => c.Id))}"
            : null;
        if (unknown is not null)
        {
            Sender.Tell(new CheckpointUnknown(jobId, job is null ? null : id, unknown));
            return;
        }

        then(job!);
    }

    private sealed class TakeOver
    {
        public static readonly TakeOver Instance = new();
    }

    private sealed class Decide
    {
        public static readonly Decide Instance = new();
    }

    private sealed class EvaluateAll
    {
        public static readonly EvaluateAll Instance = new();
    }

    private sealed record StartAgain(string JobId);
}
