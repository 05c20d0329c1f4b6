using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Membership;
using EdgeTrain.Actors.Parameters;
using EdgeTrain.Actors.Split;
using EdgeTrain.Core;
using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Membership;
using EdgeTrain.Core.Scheduling;
using EdgeTrain.Training.Models;
using static EdgeTrain.Actors.Jobs.AuditProtocol;
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
/// <para>
/// Every key operation is also an entry of the audit log (<see cref="AuditLog"/>, in the state): the entry
/// is signed here with this seed's key (<see cref="AuditKeyFile"/>) and persisted in one atomic write with
/// the operation's own event (<see cref="AuditAppended"/>), or alone for what has no event of its own
/// (membership changes, registrations, rollbacks, exports, <see cref="AppendAudit"/> from the cluster).
/// </para>
/// </summary>
public sealed class JobCoordinatorActor : ReceivePersistentActor, IWithTimers
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly CoordinatorState state;
    private readonly Dictionary<string, RegisterNode> registrations = new(StringComparer.Ordinal);

    // node identities whose quarantine is being written, and why each was last left out of a round (for the reason)
    private readonly HashSet<string> quarantining = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> lastLeftOut = new(StringComparer.Ordinal);
    private readonly IActorRef shards;
    private readonly IActorRef aggregators;
    private readonly SliceMessageExtractor sliceExtractor;
    private readonly EdgeTrainSettings settings;
    private readonly TimeProvider time;
    private IActorRef evaluator = ActorRefs.Nobody;
    private IActorRef monitor = ActorRefs.Nobody;
    private IActorRef checkpoints = ActorRefs.Nobody;
    private IActorRef starter = ActorRefs.Nobody;
    private bool takenOver;
    private AuditSigner? signer;
    private bool ownsSigner;

    // the head after the entries signed so far, persisted or still being written
    private AuditHead tip = AuditHead.Genesis;

    /// <summary>
    /// Creates the coordinator; <paramref name="time"/> is its clock (the system's when null); <paramref name="signer"/>
    /// signs its audit entries (when null, the key in <see cref="EdgeTrainSettings.AuditKeyFile"/>, made on first use).
    /// </summary>
    public JobCoordinatorActor(IActorRef shards, IActorRef aggregators, SliceMessageExtractor sliceExtractor, EdgeTrainSettings settings, TimeProvider? time = null, AuditSigner? signer = null)
    {
        this.shards = shards;
        this.aggregators = aggregators;
        this.sliceExtractor = sliceExtractor;
        this.settings = settings;
        this.time = time ?? TimeProvider.System;
        this.signer = signer;
        state = new CoordinatorState(settings.Reputation);

        Recover<ICoordinatorEvent>(e => state.Apply(e, Now));
        Recover<RecoveryCompleted>(_ =>
        {
            var unfinished = state.Jobs.Where(j => !j.Finished).ToList();
            foreach (var job in unfinished)
            {
                log.Info("coordinator: taking up unfinished job {0} ({1}); the scheduler places it once the nodes have registered", job.JobId, job.State);
                Watch(job);
            }

            // the nodes register with a coordinator that took over within a second or two: deciding
            // before would place the jobs it took up on the first of them only
            takenOver = unfinished.Count == 0;
            Timers.StartSingleTimer(nameof(TakeOver), TakeOver.Instance, settings.TakeoverDelay);
            StartAudit();
        });

        Command<RegisterNode>(Register);
        Command<ClusterEvent.CurrentClusterState>(current =>
        {
            foreach (var member in current.Unreachable)
            {
                state.NoteAll($"node {member.Address} unreachable", Now);
            }
        });
        Command<ClusterEvent.MemberUp>(up => AuditMember(AuditActions.NodeJoin, up.Member, null));
        Command<ClusterEvent.MemberLeft>(left => AuditMember(AuditActions.NodeLeave, left.Member, null));
        Command<ClusterEvent.MemberDowned>(downed => AuditMember(AuditActions.NodeDown, downed.Member, null));
        Command<ClusterEvent.MemberRemoved>(removed =>
        {
            AuditMember(AuditActions.NodeRemoved, removed.Member, $"was {removed.PreviousStatus.ToString().ToLowerInvariant()}");
            Lose(removed.Member.Address.ToString(), $"removed ({removed.PreviousStatus})");
            // the devices that trained through it (a gateway) and did not come back through another
            foreach (var device in registrations.Where(r => r.Value.TrainerHost?.Path.Address == removed.Member.Address).Select(r => r.Key).ToList())
            {
                Lose(device, $"lost with its gateway {removed.Member.Address}");
            }
        });
        Command<Gateway.GatewayProtocol.DeviceGone>(gone =>
        {
            // only the stand-in the device registered through last speaks for it
            if (registrations.TryGetValue(gone.Address, out var device) && Sender.Equals(device.TrainerHost))
            {
                Lose(gone.Address, gone.Reason);
            }
        });
        Command<ClusterEvent.UnreachableMember>(u => state.NoteAll($"node {u.Member.Address} unreachable", Now));
        Command<ClusterEvent.IClusterDomainEvent>(_ => { });
        Command<SubmitJob>(Submit);
        Command<ControlJob>(Operate);
        Command<SetJobPriority>(Operate);
        Command<DrainNode>(Operate);
        Command<QuarantineNode>(Operate);
        Command<ReleaseNode>(Operate);
        // a DP trainer that stopped at its budget was told so by a lease of no steps, which ended the job (Lease)
        Command<TrainerProgress>(p => state.Record(p.JobId, CoordinatorViews.Report(p), Sender.Path.ToStringWithUid(), Now, settings.Scheduler));
        Command<AggregatorProgress>(p =>
        {
            state.Record(p.JobId, new AggregatorReport(p.Region, p.AggregatorId, p.MergedSent, p.Acknowledged, p.BytesSent, p.AckedContiguous) { Votes = p.Votes, SecureAggregation = p.SecureAggregation });
            Observe(p);
        });
        Command<GuardProtocol.MemberCertified>(Identify);
        Command<LeasePrivacy>(Lease);
        Command<SplitProtocol.DescribeSplitJob>(d =>
        {
            var job = state.Jobs.FirstOrDefault(j => j.JobId == d.JobId && !j.Finished && j.Spec.Model.Split is not null);
            Sender.Tell(job is null ? new SplitProtocol.SplitJobUnknown(d.JobId) : new SplitProtocol.SplitJobDescribed(job.JobId, job.Spec, job.SliceLengths));
        });
        Command<QuarantineDue>(due => Record(new NodeQuarantined(due.Node, Now, due.Reason, Identity), Identity));
        Command<TrainerFailed>(f =>
        {
            log.Warning("coordinator: job {0}: trainer on {1} cannot train: {2}", f.JobId, f.Node, f.Reason);
            Carry(state.TrainerFailed(f.JobId, f.Node, f.Reason, Now));
            DecideNow();
        });
        Command<JobStarterActor.SliceCreated>(c => state.SliceCreated(c.JobId, c.Slice));
        Command<JobStarterActor.AttemptAgain>(again => Attempt(again.JobId));
        Command<JobStarterActor.Waiting>(w => state.StartWaiting(w.JobId, w.Reason, Now));
        Command<JobStarterActor.Refused>(r => Finish(r.JobId, JobState.Failed, "could not start: " + r.Reason));
        Command<JobStarterActor.Ready>(Ready);
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
        Command<SliceMonitorActor.SlicesAudited>(a => a.ReplyTo.Tell(CoordinatorViews.Audit(state, a.JobId, a.Slices, a.Problem)));
        Command<CheckpointStoreActor.Written>(w => Record(
            new CheckpointTaken(w.JobId, w.Checkpoint.Id, w.Checkpoint.TakenUtc, w.Checkpoint.Label, w.Checkpoint.Versions, w.Checkpoint.Lengths, w.Checkpoint.ContentHash),
            Requester(w.ReplyTo),
            () => w.ReplyTo.Tell(new CheckpointSaved(CheckpointStoreActor.Info(w.JobId, w.Checkpoint)))));
        Command<CheckpointStoreActor.RollbackDone>(RolledBackOrNot);
        Command<CheckpointStoreActor.Noted>(n => state.Note(n.JobId, n.Text, Now));
        Command<AppendAudit>(AppendFromCluster);
        Command<GetAuditLog>(get => Sender.Tell(CoordinatorViews.AuditChunk(state.Audit, get, settings.AuditChunkEntries)));
        Command<ChainChecked>(checkedChain =>
        {
            if (checkedChain.Verdict.Ok)
            {
                log.Info("coordinator: {0}", checkedChain.Verdict);
            }
            else
            {
                log.Error("coordinator: the journal's {0}", checkedChain.Verdict);
            }
        });
        Command<object>(Checkpoints, CheckpointStoreActor.Handles);
        Command<object>(query => Sender.Tell(CoordinatorViews.Answer(state, registrations, query, Now, settings.Scheduler)), CoordinatorViews.Answers);
        Command<Status.Failure>(f => log.Debug("coordinator: {0}", f.Cause.Message));
    }

    /// <inheritdoc />
    public override string PersistenceId => "job-coordinator";

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    // who the coordinator is, in its own audit entries
    private string Identity => $"coordinator {Cluster.Get(Context.System).SelfAddress}";

    /// <summary>Props for the coordinator (see the constructor for <paramref name="time"/> and <paramref name="signer"/>).</summary>
    public static Props Props(IActorRef shards, IActorRef aggregators, SliceMessageExtractor sliceExtractor, EdgeTrainSettings settings, TimeProvider? time = null, AuditSigner? signer = null) =>
        Akka.Actor.Props.Create(() => new JobCoordinatorActor(shards, aggregators, sliceExtractor, settings, time, signer));

    /// <inheritdoc />
    protected override void PreStart()
    {
        if (signer is null)
        {
            signer = LoadSigner();
            ownsSigner = true;
        }

        evaluator = Context.ActorOf(EvaluatorActor.Props(shards, settings.SliceAskTimeout, settings.StorageKey), "evaluator");
        monitor = Context.ActorOf(SliceMonitorActor.Props(shards, aggregators, sliceExtractor, settings, time), "slices");
        checkpoints = Context.ActorOf(CheckpointStoreActor.Props(shards, settings.DataDirectory, settings.SliceAskTimeout, time, settings.StorageKey), "checkpoints");
        starter = Context.ActorOf(JobStarterActor.Props(shards, aggregators, settings.StartStepTimeout, settings.StartRetryInterval), "starter");
        // the state as a snapshot first: what changes after it is audited, what was there before is not again at every start
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        // over TLS, reputations are kept by certificate: the guard tells which member is which node
        Context.System.EventStream.Subscribe(Self, typeof(GuardProtocol.MemberCertified));
        Context.System.EventStream.Publish(GuardProtocol.CertifiedMembersWanted.Instance);
        Timers.StartPeriodicTimer(nameof(EvaluateAll), EvaluateAll.Instance, settings.EvaluationInterval);
        Timers.StartPeriodicTimer("scheduler", Decide.Instance, settings.SchedulerInterval);
        base.PreStart();
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
        if (ownsSigner)
        {
            signer?.Dispose();
        }

        base.PostStop();
    }

    private void Register(RegisterNode node)
    {
        registrations[node.Address] = node;
        Sender.Tell(new NodeRegistered(node.Address));
        var known = CoordinatorViews.Node(node);
        if (state.Register(known))
        {
            Audit(CoordinatorAudit.Registered(known, node.Roles));
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
        foreach (var change in state.Lose(address, why, Now))
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
        var submitted = new JobSubmitted(state.NextJobId(spec), spec, sliceLengths, Now);
        Record(submitted, Requester(sender), () => sender.Tell(new JobAccepted(submitted.JobId)));
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

        if (changes.StartJob || !job.HoldsTrainers)
        {
            Attempt(job.JobId);
        }

        if (changes.Train.Count > 0)
        {
            Watch(job);
            foreach (var address in changes.Train)
            {
                if (Host(address) is { } host && job.Placement.TryGetValue(address, out var parts) && parts.Count > 0 && registrations.TryGetValue(address, out var node))
                {
                    host.Tell(new StartTraining(job.JobId, job.Spec, [.. parts], job.Partitions, node.Region, job.SliceLengths, Self, Math.Max(1, job.Regions.Count), AggregatorConfigurations.VoteRegion(job))
                    {
                        PriorPrivacy = job.PrivacyOf(parts),
                    });
                }
            }
        }
    }

    private IActorRef? Host(string address) => registrations.TryGetValue(address, out var node) ? node.TrainerHost : null;

    private void Watch(JobRecord job) =>
        monitor.Tell(new SliceMonitorActor.Watch(job.JobId, job.SliceLengths.Length, AggregatorConfigurations.For(job, state.Nodes, settings, state.QuarantinedAddresses(), state.TrustedAddresses())));

    // An attempt to create the job's missing slices and configure its aggregators (JobStarterActor); none for a job no longer starting.
    private void Attempt(string jobId) => starter.Tell(state.Job(jobId) is { State: JobState.Starting } job
        ? new JobStarterActor.Attempt(jobId, job.Spec, [.. job.SlicesToCreate], AggregatorConfigurations.For(job, state.Nodes, settings, state.QuarantinedAddresses(), state.TrustedAddresses()),
            state.Nodes.Values.Count(n => n.HostsParams), settings.SnapshotEvery, state.MissingRoles())
        : new JobStarterActor.Cancel(jobId));

    // every slice exists and every aggregator knows the job (a region that joined it meanwhile made a new attempt)
    private void Ready(JobStarterActor.Ready ready)
    {
        if (state.Job(ready.JobId) is { State: JobState.Starting } job)
        {
            log.Info("coordinator: job {0} is training on {1}", job.JobId, CoordinatorState.Describe(job));
            Carry(state.Started(job.JobId, Now));
        }
    }

    private void Evaluate()
    {
        foreach (var jobId in state.EvaluationsDue(Now, settings.EvaluationTimeout))
        {
            var job = state.Job(jobId)!;
            evaluator.Tell(new EvaluatorActor.Evaluate(job.JobId, job.Spec, job.SliceLengths, null) { Partitions = job.Partitions });
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

        state.Evaluated(evaluated.JobId, evaluated.Accuracy, Now, evaluated.BitsPerCharacter, evaluated.Sample, evaluated.PartitionBits);
        if (double.IsNaN(evaluated.BitsPerCharacter))
        {
            log.Info("coordinator: job {0}: accuracy {1:P2} after {2} samples", evaluated.JobId, evaluated.Accuracy, state.Job(evaluated.JobId)?.Samples ?? 0);
        }
        else
        {
            log.Info("coordinator: job {0}: {1:0.000} bits per character after {2} samples; it writes: {3}", evaluated.JobId, evaluated.BitsPerCharacter, state.Job(evaluated.JobId)?.Samples ?? 0, evaluated.Sample);
        }

        DecideNow();
    }

    private void Finish(string jobId, JobState end, string? message)
    {
        if (state.Job(jobId) is { Finished: false } job)
        {
            var model = JobFiles.ModelPath(settings.DataDirectory, jobId);
            var score = job.Language ? string.Create(CultureInfo.InvariantCulture, $"{job.BitsPerCharacter:0.000} bits per character") : $"{job.Accuracy:P2}";
            Record(new JobEnded(jobId, end, job.Accuracy, message ?? $"{(end == JobState.Completed ? "reached" : "stopped at")} {score}; model in {model}"), Identity);
        }
    }

    // An operator pauses, resumes, cancels or reprioritises a job, or drains, quarantines or releases a node.
    private void Operate(object command)
    {
        var (e, refusal) = OperatorCommands.Decide(state, command, Now);
        if (e is null)
        {
            Sender.Tell(refusal);
            return;
        }

        var (replyTo, stopped, priority) = (Sender, e is JobPaused or JobEnded ? state.Job(CoordinatorEvents.JobOf(e)!)!.Placement.Count : 0, state.Job(CoordinatorEvents.JobOf(e) ?? "")?.Priority ?? 0);
        Record(e, OperatorCommands.By(command), () => replyTo.Tell(OperatorCommands.Answer(state, e, stopped, priority)));
    }

    // Persists an event with its audit entry (one atomic write), applies them, carries out what the event
    // means and decides again; a job that ends or pauses stops its trainers (and its start) at once, before
    // the write. The answer goes out once both are written and applied.
    private void Record(ICoordinatorEvent e, string who, Action? answer = null)
    {
        var jobId = CoordinatorEvents.JobOf(e);
        if (e is JobEnded or JobPaused && state.Job(jobId ?? "") is { } stopping)
        {
            Carry(new TrainerChanges(stopping.JobId, [], [.. stopping.Placement.Keys]));
            starter.Tell(new JobStarterActor.Cancel(stopping.JobId));
        }

        var entry = CoordinatorAudit.Of(state, e, who) is { } note ? Sign(note) : null;
        ICoordinatorEvent[] events = entry is null ? [e] : [e, new AuditAppended(entry)];
        PersistAll(events, persisted =>
        {
            state.Apply(persisted, Now);
            if (persisted is AuditAppended)
            {
                return;
            }

            if (persisted is JobEnded ended && state.Job(ended.JobId) is { } job)
            {
                monitor.Tell(new SliceMonitorActor.Unwatch(ended.JobId));
                if (ended.State is JobState.Completed or JobState.TimedOut)
                {
                    evaluator.Tell(new EvaluatorActor.Evaluate(job.JobId, job.Spec, job.SliceLengths, JobFiles.ModelPath(settings.DataDirectory, job.JobId)));
                }
            }

            log.Info("coordinator: {0}", persisted);
            Quarantined(persisted);
            DecideNow();
        },
        () => answer?.Invoke());
    }

    // ---- reputation and quarantine ----

    // what an aggregator saw of the nodes since its last report: one event per node identity, and a
    // quarantine (persisted and audited by Record) for a node whose record now falls below the policy
    private void Observe(AggregatorProgress p)
    {
        foreach (var (address, reason) in p.LeftOutBecause)
        {
            lastLeftOut[state.IdentityOf(address)] = reason;
        }

        var events = CoordinatorEvents.Observations(p.Observed, state.IdentityOf);
        if (events.Length == 0)
        {
            return;
        }

        PersistAll(events, observed =>
        {
            var trusted = state.Policy.Trusted(state.Reputation.Of(observed.Node));
            state.Apply(observed, Now);
            if (state.Policy.Trusted(state.Reputation.Of(observed.Node)) != trusted)
            {
                // a node now works alone on shared-data units (or no longer): the votes hear it with their configuration
                log.Info("coordinator: node {0} is {1} trusted", observed.Node, trusted ? "no longer" : "now");
                foreach (var job in state.Jobs.Where(j => j.HoldsTrainers && j.Spec.Redundancy is not null))
                {
                    Watch(job);
                }
            }

            if (state.QuarantineDue(observed.Node) is { } reason && quarantining.Add(observed.Node))
            {
                Self.Tell(new QuarantineDue(observed.Node, lastLeftOut.TryGetValue(observed.Node, out var why) ? $"{reason}; last left out: {why}" : reason));
            }
        });
    }

    // a DP-SGD trainer asks for more steps: reserved (persisted as spent) before it may take them; none
    // near the target, and the job ends
    private void Lease(LeasePrivacy ask)
    {
        var replyTo = Sender;
        if (state.Job(ask.JobId) is not { Finished: false, Spec.Privacy: { Dp: true } privacy } job)
        {
            replyTo.Tell(new PrivacyLeaseGranted(ask.JobId, 0));
            return;
        }

        Core.Privacy.PrivacyLease lease;
        try
        {
            var spent = Core.Privacy.RdpAccountant.From(ask.Spent).Max(Core.Privacy.RdpAccountant.From(job.PrivacyOf(ask.Partitions)!));
            lease = Core.Privacy.PrivacyLease.Decide(spent, ask.SamplingRate, Math.Clamp(ask.Steps, 1, 10_000), privacy);
        }
        catch (ArgumentException e)
        {
            log.Warning("coordinator: privacy lease for {0} from {1} refused: {2}", ask.JobId, ask.Node, e.Message);
            replyTo.Tell(new PrivacyLeaseGranted(ask.JobId, 0));
            return;
        }

        if (lease.Steps == 0)
        {
            replyTo.Tell(new PrivacyLeaseGranted(ask.JobId, 0));
            Finish(job.JobId, JobState.Completed, string.Create(CultureInfo.InvariantCulture,
                $"privacy budget spent: ε = {job.Epsilon:0.###} at δ = {privacy.Delta:G3}; one more step on {ask.Node} would pass target-epsilon {privacy.TargetEpsilon:G4}"));
            return;
        }

        Persist(new PrivacyLeased(job.JobId, ask.Partitions, lease.Reserved, Now), leased =>
        {
            state.Apply(leased, Now);
            replyTo.Tell(new PrivacyLeaseGranted(leased.JobId, lease.Steps));
        });
    }

    // the membership guard bound an address to a certificate: its reputation is the certificate's node's
    // from now on (a quarantined node that comes back at another address is still quarantined)
    private void Identify(GuardProtocol.MemberCertified certified)
    {
        var identity = Core.Reputation.ReputationIdentity.OfCertificate(certified.NodeId);
        if (state.IdentityOf(certified.Address) != identity)
        {
            Record(new NodeIdentified(certified.Address, identity, Now), Identity);
        }
    }

    // a quarantine or release was written: a quarantined node's trainers stop and their partitions move;
    // every job's aggregators learn whose contributions to drop
    private void Quarantined(ICoordinatorEvent persisted)
    {
        if (persisted is NodeQuarantined q)
        {
            quarantining.Remove(q.Node);
            log.Warning("coordinator: node {0} QUARANTINED: {1}", q.Node, q.Reason);
            foreach (var address in state.AddressesOf(q.Node))
            {
                foreach (var change in state.Evict(address, "quarantined", Now))
                {
                    Carry(change);
                }
            }
        }
        else if (persisted is NodeIdentified identified && state.Quarantined(identified.Address))
        {
            log.Warning("coordinator: node {0} at {1} is quarantined: it gets no work", identified.Identity, identified.Address);
            foreach (var change in state.Evict(identified.Address, "quarantined", Now))
            {
                Carry(change);
            }
        }
        else if (persisted is NodeReleased r)
        {
            log.Warning("coordinator: node {0} released from quarantine by {1}", r.Node, r.By);
        }
        else
        {
            return;
        }

        foreach (var job in state.Jobs.Where(j => j.HoldsTrainers))
        {
            Watch(job);
        }
    }

    // ---- the audit log ----

    // the seed's signing key; one that cannot be read is set aside (and the log says a new signer took over)
    private AuditSigner LoadSigner()
    {
        try
        {
            var loaded = AuditKeyFile.LoadOrCreate(settings.AuditKeyFile, out var warning);
            if (warning is not null)
            {
                log.Warning("coordinator: {0}", warning);
            }

            return loaded;
        }
        catch (InvalidInputException e)
        {
            var aside = $"{settings.AuditKeyFile}.unreadable-{Now:yyyyMMddTHHmmss}";
            File.Move(settings.AuditKeyFile, aside);
            log.Error("coordinator: {0}; moved it to {1} and made a new audit signing key", e.Message, aside);
            return AuditKeyFile.LoadOrCreate(settings.AuditKeyFile, out _);
        }
    }

    // after recovery: the next entry follows the journal's last; a signer that is not the log's current one
    // introduces itself first; the chain as recovered is checked off this actor's thread
    private void StartAudit()
    {
        tip = state.Audit.Head;
        if (!string.Equals(state.Audit.Signer, signer!.PublicKey, StringComparison.Ordinal))
        {
            log.Info("coordinator: audit entries are signed with key sha256:{0} ({1})", signer.KeyId, settings.AuditKeyFile);
            Append(AuditChain.Introduce(tip, Now, signer, Identity, state.Audit.SignerKeyId), null);
        }

        var entries = state.Audit.Entries.ToArray();
        Task.Run(() => AuditChain.Verify(entries, AuditTrust.Introduced)).PipeTo(Self, success: verdict => new ChainChecked(verdict));
    }

    // the entry after the tip, signed
    private AuditEntry Sign(AuditNote note) => Advance(AuditChain.Next(tip, Now, note, signer!));

    private AuditEntry Advance(AuditEntry entry)
    {
        tip = new AuditHead(entry.Sequence, entry.Hash);
        return entry;
    }

    // an entry that records no event of its own: written without holding up the commands after it
    private void Audit(AuditNote note, Action<AuditEntry>? then = null) => Append(Sign(note), then);

    private void Append(AuditEntry entry, Action<AuditEntry>? then)
    {
        Advance(entry);
        PersistAsync(new AuditAppended(entry), persisted =>
        {
            state.Apply(persisted, Now);
            then?.Invoke(persisted.Entry);
        });
    }

    private void AuditMember(string action, Member member, string? detail) =>
        Audit(CoordinatorAudit.Member(action, member.Address.ToString(), member.Roles, detail));

    private string Requester(IActorRef requester) => AuditSources.Requester(requester, Cluster.Get(Context.System).SelfAddress);

    // an entry asked for by an actor of the cluster (an ops command host, later enrolment and revocation)
    private void AppendFromCluster(AppendAudit append)
    {
        var cluster = Cluster.Get(Context.System);
        var refusal = AuditSources.AppendRefusal(Sender, address => cluster.State.Members.Any(m => m.Address.Equals(address)))
            ?? (append.Action is AuditActions.Signer or AuditActions.Unreadable || string.IsNullOrWhiteSpace(append.Action) ? $"'{append.Action}' is not an action others may record" : null);
        if (refusal is not null)
        {
            log.Warning("coordinator: refused an audit entry from {0}: {1}", Sender.Path, refusal);
            Sender.Tell(new AuditRefused(refusal));
            return;
        }

        var replyTo = Sender;
        Audit(new AuditNote(append.Who, append.Action, append.Subject, append.Detail), entry => replyTo.Tell(new AuditRecorded(entry.Sequence, entry.Hash)));
    }

    // a rollback ended: noted in the job, audited, then answered
    private void RolledBackOrNot(CheckpointStoreActor.RollbackDone done)
    {
        var (note, detail) = done.Answer switch
        {
            RolledBack back => ($"rolled back to checkpoint {back.CheckpointId}", $"rolled back to checkpoint {back.CheckpointId}; slice versions now [{string.Join(",", back.Versions)}]"),
            CheckpointFailed failed => ($"rollback failed: {failed.Reason}", $"rollback to checkpoint {done.CheckpointId} failed: {failed.Reason}"),
            var other => ($"rollback answered {other.GetType().Name}", $"rollback to checkpoint {done.CheckpointId} answered {other.GetType().Name}"),
        };
        state.Note(done.JobId, note, Now);
        Audit(new AuditNote(Requester(done.ReplyTo), AuditActions.CheckpointRollback, done.JobId, detail), _ => done.ReplyTo.Tell(done.Answer));
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

    // a checkpoint request goes to the store with what the journal holds of the job; the first chunk of an
    // existing checkpoint's file (an export) goes once its audit entry is written
    private void Checkpoints(object request)
    {
        var job = state.Job(CheckpointStoreActor.JobOf(request));
        var forwarded = new CheckpointStoreActor.Request(request, job is null ? null : new CheckpointStoreActor.JobCheckpoints(job.JobId, job.SliceLengths, [.. job.Checkpoints]));
        if (request is FetchCheckpoint { Offset: 0 } fetch && job?.Checkpoints.LastOrDefault(c => fetch.CheckpointId is null || c.Id == fetch.CheckpointId) is { } exported)
        {
            var replyTo = Sender;
            Audit(new AuditNote(Requester(replyTo), AuditActions.CheckpointExport, job.JobId, $"checkpoint {exported.Id}{(exported.Label is null ? "" : $" \"{exported.Label}\"")}"),
                _ => checkpoints.Tell(forwarded, replyTo));
            return;
        }

        checkpoints.Forward(forwarded);
    }

    private sealed record ChainChecked(AuditVerdict Verdict);

    private sealed record QuarantineDue(string Node, string Reason);

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
}
