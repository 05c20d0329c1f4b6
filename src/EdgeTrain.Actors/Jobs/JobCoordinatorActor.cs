using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Membership;
using EdgeTrain.Actors.Parameters;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Membership;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Jobs.CheckpointProtocol;
using static EdgeTrain.Actors.Jobs.CoordinatorEvents;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// The JobCoordinator: a persistent cluster singleton on the seed role. Accepts jobs, creates
/// their parameter slices on the shards, configures one aggregator per region, places trainers
/// on the best-scoring trainer nodes (one data partition each), collects progress, evaluates on
/// the held-out test set every few seconds, and stops each job at its target accuracy or time
/// limit, saving the trained model. Jobs are persisted, so a coordinator that moves to another
/// seed node takes unfinished jobs up again. It also keeps the jobs' checkpoints
/// (<see cref="CheckpointProtocol"/>): saves them to files in its data folder, records them in its
/// journal, rolls the slices back to one, and hands out their files.
/// </summary>
public sealed class JobCoordinatorActor : ReceivePersistentActor, IWithTimers
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly IActorRef shards;
    private readonly IActorRef aggregators;
    private readonly SliceMessageExtractor sliceExtractor;
    private readonly EdgeTrainSettings settings;
    private readonly Dictionary<string, JobRun> jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RegisterNode> nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> evaluating = new(StringComparer.Ordinal);

    // the newest member changes, oldest first, for timing a loss from detection to serving again
    private readonly Queue<MemberChange> memberChanges = new();
    private IActorRef evaluator = ActorRefs.Nobody;

    /// <summary>Creates the coordinator.</summary>
    public JobCoordinatorActor(IActorRef shards, IActorRef aggregators, SliceMessageExtractor sliceExtractor, EdgeTrainSettings settings)
    {
        this.shards = shards;
        this.aggregators = aggregators;
        this.sliceExtractor = sliceExtractor;
        this.settings = settings;

        Recover<JobSubmitted>(e => jobs[e.JobId] = new JobRun(e.JobId, e.Spec, e.SliceLengths, e.SubmittedUtc));
        Recover<JobEnded>(e =>
        {
            if (jobs.TryGetValue(e.JobId, out var run))
            {
                run.End(e.State, e.Message);
            }
        });
        Recover<CheckpointTaken>(e => Run(e.JobId)?.Checkpoints.Add(Info(e)));
        Recover<JobPaused>(e => Run(e.JobId)?.Pause(e.AtUtc));
        Recover<JobResumed>(e => Run(e.JobId)?.Resume(e.AtUtc));
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var run in jobs.Values.Where(r => r.State == JobState.Paused))
            {
                log.Info("coordinator: job {0} stays paused until it is resumed", run.JobId);
            }

            foreach (var run in jobs.Values.Where(r => !r.Finished && r.State != JobState.Paused))
            {
                log.Info("coordinator: taking up unfinished job {0}", run.JobId);
                Timers.StartSingleTimer("start-" + run.JobId, new StartJob(run.JobId), TimeSpan.FromSeconds(2));
            }
        });

        Command<RegisterNode>(node =>
        {
            if (!nodes.ContainsKey(node.Address))
            {
                log.Info("coordinator: node {0} ({1}, roles {2}): {3}", node.Address, node.Region, string.Join(",", node.Roles), CapabilityScore.Describe(node.Capabilities));
            }

            var known = nodes.ContainsKey(node.Address);
            nodes[node.Address] = node;
            Sender.Tell(new NodeRegistered(node.Address));
            if (!known && node.TrainerHost is not null)
            {
                foreach (var run in jobs.Values.Where(r => r.State == JobState.Running && !r.CannotTrainOn(node.Address)))
                {
                    var changed = run.Join(node.Address);
                    if (changed.Count > 0)
                    {
                        run.Note(DateTime.UtcNow, $"trainer node {node.Address} joined; partitions now {Describe(run)}");
                        Assign(run, changed);
                    }
                }
            }
        });
        Command<ClusterEvent.MemberRemoved>(removed =>
        {
            Changed(removed.Member.Address.ToString(), MemberChangeKind.Removed, $"was {removed.PreviousStatus}");
            Lost(removed.Member.Address.ToString(), $"removed ({removed.PreviousStatus})");
        });
        Command<ClusterEvent.UnreachableMember>(unreachable =>
        {
            Changed(unreachable.Member.Address.ToString(), MemberChangeKind.Unreachable, null);
            foreach (var run in jobs.Values.Where(r => r.State == JobState.Running))
            {
                run.Note(DateTime.UtcNow, $"node {unreachable.Member.Address} unreachable");
            }

            log.Warning("coordinator: node {0} unreachable", unreachable.Member.Address);
        });
        Command<ClusterEvent.MemberDowned>(downed => Changed(downed.Member.Address.ToString(), MemberChangeKind.Downed, null));
        Command<PeerGone>(gone =>
        {
            Changed(gone.Address, MemberChangeKind.ProcessGone, gone.Evidence, gone.AtUtc);
            foreach (var run in jobs.Values.Where(r => r.State == JobState.Running))
            {
                run.Note(gone.AtUtc, $"node {gone.Address}: its process is gone ({gone.Evidence}); downed");
            }
        });
        Command<ClusterEvent.IReachabilityEvent>(_ => { });
        Command<ClusterEvent.IMemberEvent>(_ => { });
        Command<SubmitJob>(Submit);
        Command<StartJob>(Start);
        Command<RegionsKnown>(Place);
        Command<SliceReady>(ready => StartStepDone(ready.JobId, run => run.SliceCreated(ready.Slice)));
        Command<RegionReady>(ready => StartStepDone(ready.JobId, run => run.RegionConfigured(ready.Region)));
        Command<StartStepFailed>(failed => Retry(failed.JobId, failed.Attempt, failed.Reason));
        Command<StartRefused>(refused =>
        {
            if (Run(refused.JobId) is { State: JobState.Starting } run)
            {
                Finish(run, JobState.Failed, "could not start: " + refused.Reason);
            }
        });
        Command<TrainerFailed>(TrainerCannotTrain);
        // the reporting trainer actor tells incarnations apart: one started again after a pause counts from zero
        Command<TrainerProgress>(p => Run(p.JobId)?.Record(p, Sender.Path.ToStringWithUid(), DateTime.UtcNow));
        Command<AggregatorProgress>(p => Run(p.JobId)?.Record(p));
        Command<Tick>(_ => OnTick());
        Command<EvaluatorActor.Evaluated>(Evaluated);
        Command<EvaluatorActor.EvaluationFailed>(f =>
        {
            evaluating.Remove(f.JobId);
            log.Warning("coordinator: evaluation of {0} failed: {1}", f.JobId, f.Reason);
        });
        Command<ClusterShardingStats>(UpdatePlacement);
        Command<SliceCheck>(_ => CheckSlices());
        Command<ShardInfo>(info => Run(info.JobId)?.SliceAnswered(info.Slice, info.Version, DateTime.UtcNow));
        Command<GetSliceHealth>(get => Sender.Tell(Run(get.JobId) is { } run
            ? new SliceHealthReport(run.JobId, [.. run.Slices], DateTime.UtcNow, [.. memberChanges])
            : new JobUnknown(get.JobId)));
        Command<AuditUpdates>(Audit);
        Command<AuditAnswered>(Audited);
        Command<RolledBackAnswer>(RolledBackAnswered);
        Command<SaveCheckpoint>(Save);
        Command<CheckpointPulled>(Saved);
        Command<ListCheckpoints>(list => Sender.Tell(Run(list.JobId) is { } run
            ? new CheckpointList(run.JobId, [.. run.Checkpoints])
            : new CheckpointUnknown(list.JobId, null, $"no job '{list.JobId}'")));
        Command<RollbackCheckpoint>(Rollback);
        Command<FetchCheckpoint>(Fetch);
        Command<Status.Failure>(f => log.Debug("coordinator: {0}", f.Cause.Message));
        Command<GetJobStatus>(get =>
        {
            var run = get.JobId is null ? jobs.Values.MaxBy(r => r.SubmittedUtc) : Run(get.JobId);
            Sender.Tell(run is null ? new JobUnknown(get.JobId) : run.ToStatus(DateTime.UtcNow));
        });
        Command<ListJobs>(_ => Sender.Tell(new JobList(jobs.Values.OrderBy(r => r.SubmittedUtc).Select(r => r.ToStatus(DateTime.UtcNow)).ToArray())));
        Command<GetNodes>(_ => Sender.Tell(new NodeList(nodes.Values.OrderBy(n => n.Address, StringComparer.Ordinal)
            .Select(n => new NodeInfo(n.Address, n.Region, n.Roles, n.Capabilities)).ToArray())));
        Command<GetNodeActivity>(_ => Sender.Tell(new NodeActivityList(NodeActivities.Of(nodes.Values, jobs.Values))));
        Command<ControlJob>(Control);
    }

    /// <inheritdoc />
    public override string PersistenceId => "job-coordinator";

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the coordinator.</summary>
    public static Props Props(IActorRef shards, IActorRef aggregators, SliceMessageExtractor sliceExtractor, EdgeTrainSettings settings) =>
        Akka.Actor.Props.Create(() => new JobCoordinatorActor(shards, aggregators, sliceExtractor, settings));

    /// <inheritdoc />
    protected override void PreStart()
    {
        evaluator = Context.ActorOf(EvaluatorActor.Props(shards), "evaluator");
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Context.System.EventStream.Subscribe(Self, typeof(PeerGone));
        Timers.StartPeriodicTimer(nameof(Tick), Tick.Instance, settings.EvaluationInterval);
        Timers.StartPeriodicTimer(nameof(SliceCheck), SliceCheck.Instance, settings.SliceCheckInterval);
        base.PreStart();
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
        base.PostStop();
    }

    private JobRun? Run(string jobId) => jobs.GetValueOrDefault(jobId);

    private void Changed(string address, MemberChangeKind kind, string? detail, DateTime? atUtc = null)
    {
        memberChanges.Enqueue(new MemberChange(address, kind, atUtc ?? DateTime.UtcNow, detail));
        while (memberChanges.Count > MemberChangesKept)
        {
            memberChanges.Dequeue();
        }
    }

    // A node is gone for good (left, or downed by the split brain resolver). Its slices come back
    // on other params nodes by themselves (the shard coordinator re-allocates them on the next
    // message; the slice check sends one every second); its trainer partitions move here.
    private void Lost(string address, string why)
    {
        if (!nodes.Remove(address))
        {
            return;
        }

        log.Info("coordinator: node {0} {1}", address, why);
        var now = DateTime.UtcNow;
        foreach (var run in jobs.Values.Where(r => r.State == JobState.Starting && r.Unplace(address)))
        {
            run.Note(now, $"trainer node {address} {why} while the job was starting; its trainers are placed again");
        }

        foreach (var run in jobs.Values.Where(r => r.State is JobState.Running or JobState.Paused))
        {
            var homed = run.Slices.Where(s => s.Node == address).Select(s => s.Slice).ToList();
            run.Note(now, $"node {address} {why}; its slices [{string.Join(",", homed)}] restart on other nodes");
            var changed = run.Reassign(address);
            if (changed.Count > 0)
            {
                run.Note(now, $"partitions now {Describe(run)}");
                if (run.State == JobState.Running)
                {
                    Assign(run, changed);
                }
            }
            else if (run.Orphans.Count > 0)
            {
                run.Note(now, $"partitions [{string.Join(",", run.Orphans)}] wait for a trainer node");
            }
        }
    }

    // (Re)sends StartTraining to trainer nodes whose partitions changed.
    private void Assign(JobRun run, IEnumerable<string> addresses)
    {
        foreach (var address in addresses)
        {
            if (nodes.TryGetValue(address, out var node) && node.TrainerHost is { } host && run.Placement.TryGetValue(address, out var parts) && parts.Count > 0)
            {
                host.Tell(new StartTraining(run.JobId, run.Spec, [.. parts], run.Partitions, node.Region, run.SliceLengths, Self, Math.Max(1, run.Regions.Count)));
            }
        }
    }

    // the job's merge rule and codec for one region's aggregator; with merge-count = trainers, one
    // merged update per round of the trainers the region holds now. Model deltas (local-steps > 1)
    // are scaled by the region's share of the trainers: one round's updates of all regions add up
    // to the average over every trainer, however many regions there are.
    private ConfigureAggregator Configuration(JobRun run, string region)
    {
        var wire = run.Spec.Wire;
        var trainers = run.Placement.Keys.Count(address => nodes.TryGetValue(address, out var node) && node.Region == region);
        var share = run.Spec.LocalSteps > 1 && trainers > 0 && run.Placement.Count > 0 ? (float)trainers / run.Placement.Count : 1f;
        return new ConfigureAggregator(run.JobId, region, run.SliceLengths, wire.MergeCountFor(trainers, settings.MergeCount), wire.MergeInterval ?? settings.MergeInterval,
            wire.AggregatorToShard, wire.ErrorFeedback, share);
    }

    private static string Describe(JobRun run) =>
        string.Join("; ", run.Placement.Select(p => $"{p.Key} [{string.Join(",", p.Value)}]"));

    private void CheckSlices()
    {
        // paused jobs too: their slices must come back when a node goes away while they wait
        var running = jobs.Values.Where(r => r.State is JobState.Running or JobState.Paused).ToList();
        foreach (var run in running)
        {
            // an aggregator whose node went away starts again elsewhere knowing nothing: tell it
            // the job again (idempotent for one that knows it)
            foreach (var region in run.Regions)
            {
                aggregators.Tell(Configuration(run, region), ActorRefs.NoSender);
            }

            for (var i = 0; i < run.SliceLengths.Length; i++)
            {
                shards.Ask<ShardInfo>(new GetShardInfo(run.JobId, i), settings.SliceCheckInterval * 2).PipeTo(Self, failure: e => new Status.Failure(e));
            }
        }

        if (running.Count > 0)
        {
            // every region answers within StatsTimeout even when checks come more often (a busy machine)
            var statsTimeout = settings.SliceCheckInterval > StatsTimeout ? settings.SliceCheckInterval : StatsTimeout;
            shards.Ask<ClusterShardingStats>(new GetClusterShardingStats(statsTimeout), statsTimeout * 2).PipeTo(Self);
        }
    }

    private void Audit(AuditUpdates audit)
    {
        var run = Run(audit.JobId);
        if (run is null)
        {
            Sender.Tell(new JobUnknown(audit.JobId));
            return;
        }

        var timeout = TimeSpan.FromSeconds(10);
        var jobId = run.JobId;
        var replyTo = Sender;
        Task.WhenAll(Enumerable.Range(0, run.SliceLengths.Length).Select(i => shards.Ask<ShardInfo>(new GetShardInfo(jobId, i), timeout)))
            .PipeTo(Self,
                success: infos => new AuditAnswered(jobId, infos, replyTo, null),
                failure: e => new AuditAnswered(jobId, [], replyTo, $"a slice did not answer: {e.GetBaseException().Message}"));
    }

    // every slice answered the audit: compared here, on the coordinator's own thread, with what the aggregators reported
    private void Audited(AuditAnswered answered)
    {
        if (answered.Problem is not null || Run(answered.JobId) is not { } run)
        {
            answered.ReplyTo.Tell(new UpdateAudit(answered.JobId, 0, 0, answered.Problem ?? $"no job '{answered.JobId}'"));
            return;
        }

        var (acknowledged, lost) = run.Audit(answered.Infos);
        answered.ReplyTo.Tell(new UpdateAudit(run.JobId, acknowledged, lost, null));
    }

    private void Submit(SubmitJob submit)
    {
        var spec = submit.Spec;
        var running = jobs.Values.FirstOrDefault(r => !r.Finished && r.Spec.Name == spec.Name);
        if (running is not null)
        {
            Sender.Tell(new JobRejected(spec.Name, $"job {spec.Name} is already running as {running.JobId}"));
            return;
        }

        int[] sliceLengths;
        try
        {
            using var model = ModelFactory.Create(spec.Model, spec.Seed);
            var plan = new SlicePlan(new FlatParameterView(model).TotalFloats, spec.SliceFloats);
            sliceLengths = [.. plan.Slices.Select(s => s.Length)];
        }
        catch (ArgumentException e)
        {
            Sender.Tell(new JobRejected(spec.Name, $"the model cannot be built: {e.Message}"));
            return;
        }

        var jobId = $"{spec.Name}-{jobs.Count + 1}";
        var sender = Sender;
        Persist(new JobSubmitted(jobId, spec, sliceLengths, DateTime.UtcNow), e =>
        {
            jobs[e.JobId] = new JobRun(e.JobId, e.Spec, e.SliceLengths, e.SubmittedUtc);
            log.Info("coordinator: job {0} accepted: {1} slices of at most {2} floats", jobId, sliceLengths.Length, spec.SliceFloats);
            sender.Tell(new JobAccepted(jobId));
            Self.Tell(new StartJob(jobId));
        });
    }

    private void Start(StartJob startJob)
    {
        var run = Run(startJob.JobId);
        if (run is null || run.State != JobState.Starting)
        {
            return;
        }

        var trainers = Trainers(run);
        var missing = trainers.Count == 0 ? "no node with the trainer role has registered"
            : !nodes.Values.Any(n => n.Roles.Contains(CapabilityScore.ParamsRole)) ? "no node with the params role has registered"
            : !nodes.Values.Any(n => n.Roles.Contains(CapabilityScore.AggregatorRole)) ? "no node with the aggregator role has registered"
            : null;
        if (missing is not null)
        {
            Retry(run.JobId, run.StartAttempt, missing);
            return;
        }

        // the slices spread over the params nodes only if their shard regions have registered
        // with the shard coordinator before the slices are allocated
        var jobId = run.JobId;
        var attempt = run.NextStartAttempt();
        var paramsNodes = nodes.Values.Count(n => n.Roles.Contains(CapabilityScore.ParamsRole));
        var timeout = settings.StartStepTimeout;
        shards.Ask<CurrentRegions>(GetCurrentRegions.Instance, timeout).PipeTo(Self,
            success: regions => new RegionsKnown(jobId, attempt, regions.Regions.Count, paramsNodes),
            failure: _ => new StartStepFailed(jobId, attempt, $"the parameter shard coordinator did not answer within {timeout.TotalSeconds:0} s"));
    }

    // the registered trainer nodes that can take this job, best first
    private List<RegisterNode> Trainers(JobRun run) =>
        [.. CapabilityScore.RankForTrainers(nodes.Values.Where(n => n.TrainerHost is not null && !run.CannotTrainOn(n.Address)), n => n.Capabilities)];

    // One start attempt: places the trainers (once), then asks every slice that does not exist yet to
    // be created and every region's aggregator that does not know the job yet to take it. Each answer
    // comes back here as a message; a question that is not answered in time (a shard that was
    // restarting drops what it had buffered) is asked again in the next attempt, while the job waits
    // and says what for. Creating a slice and configuring an aggregator are idempotent.
    private void Place(RegionsKnown known)
    {
        var run = Run(known.JobId);
        if (run is null || run.State != JobState.Starting || known.Attempt != run.StartAttempt)
        {
            return;
        }

        if (known.Regions < known.ParamsNodes)
        {
            Retry(run.JobId, known.Attempt, $"{known.Regions} of {known.ParamsNodes} params nodes have registered their shard regions");
            return;
        }

        if (run.Placement.Count == 0)
        {
            var trainers = Trainers(run);
            run.Orphans.Clear();
            run.Partitions = trainers.Count;
            for (var i = 0; i < trainers.Count; i++)
            {
                run.Placement[trainers[i].Address] = [i];
            }

            run.Regions = [.. trainers.Select(t => t.Region).Distinct(StringComparer.Ordinal)];
            log.Info("coordinator: starting {0}: {1} slices, aggregators in {2}, trainers on {3}", run.JobId, run.SliceLengths.Length,
                string.Join(", ", run.Regions), string.Join(", ", trainers.Select(t => t.Address)));
        }

        var jobId = run.JobId;
        var attempt = known.Attempt;
        var timeout = settings.StartStepTimeout;
        if (!run.ReadyToTrain)
        {
            run.Waiting($"creating slices [{string.Join(",", run.SlicesToCreate)}] on the params nodes and configuring the aggregators of [{string.Join(", ", run.RegionsToConfigure)}]", DateTime.UtcNow);
        }

        foreach (var region in run.RegionsToConfigure)
        {
            aggregators.Ask<AggregatorConfigured>(Configuration(run, region), timeout).PipeTo(Self,
                success: _ => new RegionReady(jobId, region),
                failure: _ => new StartStepFailed(jobId, attempt, $"the aggregator of region {region} did not answer within {timeout.TotalSeconds:0} s"));
        }

        var slices = run.SlicesToCreate;
        if (slices.Count > 0)
        {
            var initial = InitialValues(run);
            var spec = run.Spec;
            foreach (var i in slices)
            {
                var slice = i;
                shards.Ask<object>(new InitSlice(jobId, slice, initial[slice], spec.ShardOptimizer, settings.SnapshotEvery), timeout).PipeTo(Self,
                    success: reply => reply switch
                    {
                        SliceInitialized => new SliceReady(jobId, slice),
                        SliceInitRefused refused => new StartRefused(jobId, refused.Reason),
                        _ => new StartStepFailed(jobId, attempt, $"slice {slice} answered {reply.GetType().Name}"),
                    },
                    failure: _ => new StartStepFailed(jobId, attempt,
                        $"slice {slice} was not created within {timeout.TotalSeconds:0} s (its shard on a params node may still be starting)"));
            }
        }

        TrainIfReady(run);
    }

    private static float[][] InitialValues(JobRun run)
    {
        using var model = ModelFactory.Create(run.Spec.Model, run.Spec.Seed);
        var flat = new FlatParameterView(model).ToArray();
        var plan = new SlicePlan(flat.Length, run.Spec.SliceFloats);
        return [.. plan.Slices.Select(s => plan.Of((ReadOnlySpan<float>)flat, s.Index).ToArray())];
    }

    private void StartStepDone(string jobId, Action<JobRun> record)
    {
        if (Run(jobId) is { State: JobState.Starting } run)
        {
            record(run);
            TrainIfReady(run);
        }
    }

    private void TrainIfReady(JobRun run)
    {
        if (!run.ReadyToTrain)
        {
            return;
        }

        var now = DateTime.UtcNow;
        run.Started(now);
        Assign(run, run.Placement.Keys.ToList());
        run.Note(now, $"training on {Describe(run)}");
        log.Info("coordinator: job {0} is training on {1} nodes", run.JobId, run.Placement.Count);
    }

    // The job waits for reason (shown in its status) and tries again shortly; answers that failed
    // in an earlier attempt are stale (a later attempt has asked again).
    private void Retry(string jobId, int attempt, string reason)
    {
        var run = Run(jobId);
        if (run is null || run.State != JobState.Starting || attempt != run.StartAttempt)
        {
            return;
        }

        if (run.WaitingFor != reason)
        {
            log.Info("coordinator: job {0} waits: {1}", jobId, reason);
        }

        run.Waiting(reason, DateTime.UtcNow);
        Timers.StartSingleTimer("start-" + jobId, new StartJob(jobId), settings.StartRetryInterval);
    }

    // A trainer node cannot train the job (its data or model does not load there): its partitions
    // move to the other trainers; with none left the job fails, naming every node and its reason.
    private void TrainerCannotTrain(TrainerFailed failed)
    {
        if (Run(failed.JobId) is not { Finished: false } run)
        {
            return;
        }

        log.Warning("coordinator: job {0}: trainer on {1} cannot train: {2}", run.JobId, failed.Node, failed.Reason);
        var now = DateTime.UtcNow;
        run.Note(now, $"trainer on {failed.Node} cannot train: {failed.Reason}");
        var changed = run.TrainerFailed(failed.Node, failed.Reason);
        if (run.NoTrainerLeft() is { } reason)
        {
            Finish(run, JobState.Failed, reason);
            return;
        }

        if (changed.Count > 0)
        {
            run.Note(now, $"partitions now {Describe(run)}");
            if (run.State == JobState.Running)
            {
                Assign(run, changed);
            }
        }
    }

    private void OnTick()
    {
        var now = DateTime.UtcNow;
        foreach (var run in jobs.Values.Where(r => r.State == JobState.Starting && r.Decide(now) == JobState.Failed).ToList())
        {
            Finish(run, JobState.Failed, run.StartFailure());
        }

        foreach (var run in jobs.Values.Where(r => r.State == JobState.Running).ToList())
        {
            var decision = run.Decide(now);
            if (decision != JobState.Running)
            {
                Finish(run, decision, null);
                continue;
            }

            // one evaluation at a time per job; one that never answers is forgotten after 30 s
            if (evaluating.TryGetValue(run.JobId, out var since) && now - since < TimeSpan.FromSeconds(30))
            {
                continue;
            }

            evaluating[run.JobId] = now;
            evaluator.Tell(new EvaluatorActor.Evaluate(run.JobId, run.Spec, run.SliceLengths, null));
        }

    }

    private void Evaluated(EvaluatorActor.Evaluated evaluated)
    {
        evaluating.Remove(evaluated.JobId);
        var run = Run(evaluated.JobId);
        if (run is null)
        {
            return;
        }

        if (evaluated.SavedModel is { } path)
        {
            log.Info("coordinator: job {0}: model saved to {1}", run.JobId, path);
            evaluator.Tell(new EvaluatorActor.Forget(run.JobId));
            return;
        }

        if (run.State != JobState.Running)
        {
            return;
        }

        var decision = run.Evaluated(evaluated.Accuracy, DateTime.UtcNow);
        log.Info("coordinator: job {0}: accuracy {1:P2} after {2} samples", run.JobId, evaluated.Accuracy, run.Samples);
        if (decision != JobState.Running)
        {
            Finish(run, decision, null);
        }
    }

    private void Finish(JobRun run, JobState state, string? message, Action? then = null)
    {
        StopTrainers(run);

        var model = ModelPath(settings.DataDirectory, run.JobId);
        var text = message ?? (state == JobState.Completed ? $"reached {run.Accuracy:P2}; model in {model}" : $"stopped at {run.Accuracy:P2}; model in {model}");
        if (state is JobState.Completed or JobState.TimedOut)
        {
            evaluator.Tell(new EvaluatorActor.Evaluate(run.JobId, run.Spec, run.SliceLengths, model));
        }

        Persist(new JobEnded(run.JobId, state, run.Accuracy, text), e =>
        {
            run.End(e.State, e.Message);
            log.Info("coordinator: job {0} {1}: {2}", run.JobId, e.State, e.Message);
            then?.Invoke();
        });
    }

    // An operator pauses, resumes or cancels a job (edgetrain-cmd job pause|resume|cancel).
    private void Control(ControlJob control)
    {
        if (Run(control.JobId) is not { } run)
        {
            Sender.Tell(new JobUnknown(control.JobId));
            return;
        }

        if (run.Refusal(control.Action) is { } reason)
        {
            Sender.Tell(new JobControlRefused(run.JobId, control.Action, reason));
            return;
        }

        var replyTo = Sender;
        var now = DateTime.UtcNow;
        switch (control.Action)
        {
            case JobControl.Pause:
                Persist(new JobPaused(run.JobId, now, control.By), e =>
                {
                    run.Pause(e.AtUtc);
                    StopTrainers(run);
                    run.Note(e.AtUtc, $"paused by {e.By}");
                    log.Info("coordinator: job {0} paused by {1}", run.JobId, e.By);
                    replyTo.Tell(new JobControlled(run.JobId, JobControl.Pause, run.State, $"job {run.JobId} paused; its trainers stopped on {run.Placement.Count} node(s)"));
                });
                break;
            case JobControl.Resume:
                Persist(new JobResumed(run.JobId, now, control.By), e =>
                {
                    run.Resume(e.AtUtc);
                    run.Note(e.AtUtc, $"resumed by {e.By}");
                    log.Info("coordinator: job {0} resumed by {1}", run.JobId, e.By);
                    if (run.State == JobState.Running)
                    {
                        Assign(run, run.Placement.Keys.ToList());
                    }
                    else
                    {
                        Self.Tell(new StartJob(run.JobId));
                    }

                    replyTo.Tell(new JobControlled(run.JobId, JobControl.Resume, run.State, $"job {run.JobId} resumed; {(run.State == JobState.Running ? $"trainers start again on {run.Placement.Count} node(s)" : "it is starting")}"));
                });
                break;
            default:
                Finish(run, JobState.Cancelled, $"cancelled by {control.By} at {run.Accuracy:P2}", () =>
                    replyTo.Tell(new JobControlled(run.JobId, JobControl.Cancel, JobState.Cancelled, $"job {run.JobId} cancelled")));
                break;
        }
    }

    private void StopTrainers(JobRun run)
    {
        foreach (var address in run.Placement.Keys)
        {
            if (nodes.TryGetValue(address, out var node) && node.TrainerHost is { } host)
            {
                host.Tell(new StopTraining(run.JobId));
            }
        }
    }

    /// <summary>Where the coordinator saves a finished job's model: <c>{data-dir}/jobs/{jobId}/model.bin</c>.</summary>
    public static string ModelPath(string dataDirectory, string jobId) => Path.Combine(dataDirectory, "jobs", jobId, "model.bin");

    private void UpdatePlacement(ClusterShardingStats stats)
    {
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (address, region) in stats.Regions)
        {
            foreach (var shard in region.Stats.Keys)
            {
                owner[shard] = address.ToString();
            }
        }

        foreach (var run in jobs.Values.Where(r => r.State is JobState.Running or JobState.Paused))
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < run.SliceLengths.Length; i++)
            {
                var shard = sliceExtractor.ShardId(ParameterProtocol.EntityId(run.JobId, i), null);
                if (owner.TryGetValue(shard, out var address))
                {
                    counts[address] = counts.GetValueOrDefault(address) + 1;
                    run.Slices[i] = run.Slices[i] with { Node = address };
                }
            }

            run.SlicesPerNode = counts;
        }
    }

    /// <summary>Where the coordinator keeps checkpoint <paramref name="id"/> of a job: <c>{data-dir}/jobs/{jobId}/checkpoints/{id}.ckpt</c>.</summary>
    public static string CheckpointPath(string dataDirectory, string jobId, long id) =>
        Path.Combine(dataDirectory, "jobs", jobId, "checkpoints", id.ToString(System.Globalization.CultureInfo.InvariantCulture) + CheckpointFile.Extension);

    private static CheckpointInfo Info(CheckpointTaken e) => new(
        e.JobId,
        e.Id,
        e.TakenUtc,
        e.Label,
        [.. e.Versions.Select((version, i) => new CheckpointSliceInfo(i, version, e.Lengths[i]))],
        e.Lengths.Sum(l => (long)l),
        e.ContentHash);

    private void Save(SaveCheckpoint save)
    {
        if (Run(save.JobId) is not { } run)
        {
            Sender.Tell(new CheckpointUnknown(save.JobId, null, $"no job '{save.JobId}'"));
            return;
        }

        var replyTo = Sender;
        var timeout = TimeSpan.FromSeconds(10);
        var jobId = run.JobId;
        Task.WhenAll(Enumerable.Range(0, run.SliceLengths.Length).Select(i => shards.Ask<object>(new PullSlice(jobId, i, -1), timeout)))
            .PipeTo(Self,
                success: replies => new CheckpointPulled(jobId, save.Label, replies, replyTo, null),
                failure: e => new CheckpointPulled(jobId, save.Label, [], replyTo, $"a slice did not answer: {e.GetBaseException().Message}"));
    }

    // Every slice's values are here: write the file, then record the checkpoint in the journal. The
    // next checkpoint's number is decided here, one message at a time (Persist holds back the next).
    private void Saved(CheckpointPulled pulled)
    {
        var run = Run(pulled.JobId);
        var problem = pulled.Problem
            ?? (run is null ? $"no job '{pulled.JobId}'" : null)
            ?? pulled.Replies.Where(r => r is not SliceData).Select(r => $"a slice answered {r.GetType().Name}").FirstOrDefault();
        if (problem is not null || run is null)
        {
            pulled.ReplyTo.Tell(new CheckpointFailed(pulled.JobId, problem ?? "no job"));
            return;
        }

        var slices = pulled.Replies.Cast<SliceData>().OrderBy(d => d.Slice).Select(d => new CheckpointSlice(d.Slice, d.Version, d.Values)).ToArray();
        var id = run.Checkpoints.Count == 0 ? 1 : run.Checkpoints.Max(c => c.Id) + 1;
        var contents = new CheckpointContents(run.JobId, id, DateTime.UtcNow, string.IsNullOrEmpty(pulled.Label) ? null : pulled.Label, slices);
        var path = CheckpointPath(settings.DataDirectory, run.JobId, id);
        try
        {
            CheckpointFile.Write(path, contents);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning("coordinator: checkpoint {0} of {1} could not be written to {2}: {3}", id, run.JobId, path, e.Message);
            pulled.ReplyTo.Tell(new CheckpointFailed(run.JobId, $"writing {path} failed: {e.Message}"));
            return;
        }

        var taken = new CheckpointTaken(run.JobId, id, contents.TakenUtc, contents.Label, [.. slices.Select(s => s.Version)], [.. slices.Select(s => s.Values.Length)], contents.ContentHash);
        Persist(taken, e =>
        {
            var info = Info(e);
            run.Checkpoints.Add(info);
            run.Note(DateTime.UtcNow, $"checkpoint {e.Id} taken{(e.Label is null ? "" : $" ({e.Label})")}: slice versions [{string.Join(",", e.Versions)}]");
            log.Info("coordinator: job {0}: checkpoint {1} taken in {2}", e.JobId, e.Id, path);
            pulled.ReplyTo.Tell(new CheckpointSaved(info));
        });
    }

    // Reads the checkpoint's file, checks it against the journal, and restores every slice from it.
    private void Rollback(RollbackCheckpoint rollback)
    {
        var (run, info, unknown) = Find(rollback.JobId, rollback.CheckpointId);
        if (unknown is not null || run is null || info is null)
        {
            Sender.Tell(unknown);
            return;
        }

        CheckpointContents contents;
        try
        {
            contents = CheckpointFile.Read(CheckpointPath(settings.DataDirectory, run.JobId, info.Id));
        }
        catch (EdgeTrain.Core.InvalidInputException e)
        {
            Sender.Tell(new CheckpointFailed(run.JobId, e.Message));
            return;
        }

        if (contents.ContentHash != info.ContentHash || contents.Slices.Count != run.SliceLengths.Length
            || contents.Slices.Select(s => s.Values.Length).Where((length, i) => length != run.SliceLengths[i]).Any())
        {
            Sender.Tell(new CheckpointFailed(run.JobId,
                $"the file of checkpoint {info.Id} ({CheckpointPath(settings.DataDirectory, run.JobId, info.Id)}) does not hold what the journal recorded of it (slices or CRC-32C differ)"));
            return;
        }

        var jobId = run.JobId;
        var id = info.Id;
        var timeout = TimeSpan.FromSeconds(10);
        run.Note(DateTime.UtcNow, $"rolling back to checkpoint {id}");
        log.Info("coordinator: job {0}: rolling back to checkpoint {1}", jobId, id);
        var replyTo = Sender;
        Task.WhenAll(contents.Slices.Select(s => shards.Ask<object>(new RestoreSlice(jobId, s.Index, id, s.Values), timeout)))
            .PipeTo(Self,
                success: replies =>
                {
                    var refused = replies.OfType<RestoreRefused>().FirstOrDefault();
                    object answer = refused is not null ? new CheckpointFailed(jobId, $"slice {refused.Slice} refused the rollback: {refused.Reason}")
                        : replies.All(r => r is SliceRestored) ? new RolledBack(jobId, id, [.. replies.Cast<SliceRestored>().OrderBy(r => r.Slice).Select(r => r.Version)])
                        : new CheckpointFailed(jobId, $"unexpected answers: {string.Join(", ", replies.Select(r => r.GetType().Name).Distinct())}");
                    return new RolledBackAnswer(jobId, answer, replyTo);
                },
                failure: e => new RolledBackAnswer(jobId,
                    new CheckpointFailed(jobId, $"a slice did not answer the rollback: {e.GetBaseException().Message}; slices that answered hold checkpoint {id}, roll back again"), replyTo));
    }

    private void RolledBackAnswered(RolledBackAnswer answer)
    {
        var text = answer.Answer switch
        {
            RolledBack done => $"rolled back to checkpoint {done.CheckpointId}",
            CheckpointFailed failed => $"rollback failed: {failed.Reason}",
            _ => null,
        };
        if (text is not null && Run(answer.JobId) is { } run)
        {
            run.Note(DateTime.UtcNow, text);
        }

        answer.ReplyTo.Tell(answer.Answer);
    }

    private void Fetch(FetchCheckpoint fetch)
    {
        var (run, info, unknown) = Find(fetch.JobId, fetch.CheckpointId);
        if (unknown is not null || run is null || info is null)
        {
            Sender.Tell(unknown);
            return;
        }

        var path = CheckpointPath(settings.DataDirectory, run.JobId, info.Id);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var offset = Math.Clamp(fetch.Offset, 0, file.Length);
            file.Position = offset;
            var chunk = new byte[(int)Math.Min(ChunkBytes, file.Length - offset)];
            file.ReadExactly(chunk);
            Sender.Tell(new CheckpointChunk(info, offset, file.Length, chunk));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Sender.Tell(new CheckpointFailed(run.JobId, $"reading {path} failed: {e.Message}"));
        }
    }

    // the job and its checkpoint (the newest when id is null), or why there is none
    private (JobRun? Run, CheckpointInfo? Info, CheckpointUnknown? Unknown) Find(string jobId, long? id)
    {
        if (Run(jobId) is not { } run)
        {
            return (null, null, new CheckpointUnknown(jobId, null, $"no job '{jobId}'"));
        }

        if (run.Checkpoints.Count == 0)
        {
            return (run, null, new CheckpointUnknown(jobId, id, $"job {jobId} has no checkpoints; save one first"));
        }

        var info = id is null ? run.Checkpoints[^1] : run.Checkpoints.FirstOrDefault(c => c.Id == id);
        return info is null
            ? (run, null, new CheckpointUnknown(jobId, id, $"job {jobId} has no checkpoint {id}; it has {string.Join(", ", run.Checkpoints.Select(c => c.Id))}"))
            : (run, info, null);
    }

    private const int ChunkBytes = 1 << 20;

    private sealed record AuditAnswered(string JobId, ShardInfo[] Infos, IActorRef ReplyTo, string? Problem);

    private sealed record RolledBackAnswer(string JobId, object Answer, IActorRef ReplyTo);

    private const int MemberChangesKept = 200;

    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(1);

    private sealed record CheckpointPulled(string JobId, string? Label, object[] Replies, IActorRef ReplyTo, string? Problem);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed class SliceCheck
    {
        public static readonly SliceCheck Instance = new();
    }

    private sealed record StartJob(string JobId);

    private sealed record RegionsKnown(string JobId, int Attempt, int Regions, int ParamsNodes);

    private sealed record SliceReady(string JobId, int Slice);

    private sealed record RegionReady(string JobId, string Region);

    // a step of start attempt Attempt was not answered in time: the job waits for Reason and asks again
    private sealed record StartStepFailed(string JobId, int Attempt, string Reason);

    // a slice refused to be created: the job cannot start
    private sealed record StartRefused(string JobId, string Reason);
}
