using Akka.Actor;
using Akka.Event;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core;
using EdgeTrain.Core.Adversaries;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Data;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Core.Privacy;
using EdgeTrain.Core.Privacy.SecureAggregation;
using EdgeTrain.Training;
using EdgeTrain.Training.Data;
using EdgeTrain.Training.Local;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;
using EdgeTrain.Training.Privacy;
using EdgeTrain.Training.Split;
using EdgeTrain.Training.Text;
using TorchSharp;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Aggregation.SecureAggregationProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static TorchSharp.torch;

namespace EdgeTrain.Actors.Training;

/// <summary>
/// Trains one job on this node's partition of the data, which never leaves the node. Loop: pull
/// every slice newer than its copy from the parameter shards, load them into its TorchSharp model
/// through the flat view, take <c>local-steps</c> steps (one dispose scope per step, all inside one
/// message handler; with <c>local-time-budget</c>, only as many as fit in it), cut the update (the
/// gradient, or θ_start − θ_end) into slices and send each to its region's aggregator encoded with
/// the job's codec (a lossy codec's residual stays here, error feedback), then pull again at once:
/// trainers never wait for each other (unless the job asks for <c>wait-for-merge</c>). Which replies
/// to take, when a round is complete and what to ask again is decided by <see cref="PullRound"/>;
/// this actor sends, schedules and trains. It reads the time from its <see cref="TimeProvider"/>,
/// owns its module and runs on a pinned thread.
/// <para>
/// A shared-data job with redundancy (<c>data.placement = shared</c>) trains in work units instead: the
/// trainer holds the whole shared training set, and after each pull asks its region's aggregator for a
/// unit of the model version it pulled (<see cref="RequestUnit"/>); it computes the unit's samples with the
/// unit's seed and one libtorch thread, so that every replica computes the same update, and answers with
/// the whole update (<see cref="UnitResult"/>), which is voted on against the unit's other replicas.
/// </para>
/// <para>
/// A job with <c>privacy.mode = example</c> trains by DP-SGD (<see cref="DpSgdGradients"/>): each step's
/// gradients are clipped per example and noised, and an RDP accountant (starting from what its partitions
/// spent with other trainers, <see cref="StartTraining.PriorPrivacy"/>) composes one subsampled Gaussian
/// step per batch at sampling rate batch ÷ its examples. It takes steps only under a lease from the
/// coordinator (<see cref="LeasePrivacy"/>: <c>privacy-lease-steps</c> at a time, recorded as spent before
/// they are taken; none near <c>privacy.target-epsilon</c>, and it stops), and reports what it spent.
/// </para>
/// <para>
/// A job with <c>privacy.secure-aggregation = on</c> sends no contributions: the update, through the job's
/// codec (its quantisation and error feedback), joins the region's next secure round (<see cref="SecureClient"/>:
/// fresh keys, shares for its neighbours, the update masked in 32-bit fixed point, its shares revealed for
/// unmasking), and the trainer pulls and trains again when the round has ended, merged or aborted.
/// </para>
/// </summary>
public sealed partial class TrainerActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private StartTraining start;
    private readonly IActorRef shards;
    private readonly IActorRef aggregators;
    private readonly EdgeTrainSettings settings;
    private readonly string node;
    private readonly SlicePlan plan;
    // the job's index of each slice this trainer holds (every slice; a split job's data node: its own layers'), and back
    private readonly int[] slices;
    private readonly Dictionary<int, int> localSlice;
    private readonly float[] current;
    private readonly SliceEncoder encoder;
    private readonly TimeProvider time;
    private readonly long origin;
    private PullRound pull;
    private nn.Module<Tensor, Tensor>? model;
    private optim.Optimizer? optimizer;
    private FlatParameterView? view;
    private TrainingStep? step;
    private BatchSampler? batches;
    private float[]? update;
    private Random? noise;
    private Device? device;
    private MnistSet? all;
    private long samples;
    private long contributions;
    private long bytesSent;
    private long bytesPulled;
    private double lossSum;
    private int lossCount;
    private double lastLoss = double.NaN;
    private TimeSpan busy;
    private TimeSpan waiting;
    private TimeSpan roundBegan;
    private double roundTripMs;
    private int unitAsks;
    private DpSgdGradients? privateGradients;
    private RdpAccountant privacySpent = RdpAccountant.Empty;
    private bool budgetSpent;
    private int leaseLeft;
    private bool awaitingLease;
    private SecureClient? secureClient;
    private float[]? secureUpdate;
    private double secureWeight;
    private long securePlainBytes;
    private int secureWaits;
    private bool droppedOut;
    private IActorRef? secureRounds;

    /// <summary>
    /// Creates the trainer for <paramref name="start"/>; <paramref name="time"/> is its clock (the
    /// system's when null): round trips, busy and waiting time, the local time budget.
    /// </summary>
    public TrainerActor(StartTraining start, IActorRef shards, IActorRef aggregators, EdgeTrainSettings settings, string node, TimeProvider? time = null, IActorRef? splitServers = null)
    {
        this.start = start;
        this.shards = shards;
        this.aggregators = aggregators;
        this.settings = settings;
        this.node = node;
        this.time = time ?? TimeProvider.System;
        origin = this.time.GetTimestamp();
        this.splitServers = splitServers ?? ActorRefs.Nobody;
        split = start.Spec.Model.Split is null ? null : SplitLayout.Of(start.Spec.Model);
        if (split is null)
        {
            plan = new SlicePlan(start.SliceLengths.Sum(), start.Spec.SliceFloats);
            slices = [.. Enumerable.Range(0, plan.Count)];
        }
        else
        {
            slices = split.ClientSlices(start.Spec.SliceFloats);
            plan = new SlicePlan([.. slices.Where(s => s < start.SliceLengths.Length).Select(s => start.SliceLengths[s])]);
        }

        if ((split is null ? plan.Count : split.SliceLengths(start.Spec.SliceFloats).Length) != start.SliceLengths.Length)
        {
            throw new ArgumentException($"job {start.JobId}: {start.SliceLengths.Length} slices do not match a {ModelLayout.Of(start.Spec.Model).TotalFloats}-float model cut at {start.Spec.SliceFloats}");
        }

        localSlice = slices.Select((global, index) => (global, index)).ToDictionary(p => p.global, p => p.index);

        current = new float[plan.TotalFloats];
        // work units wait for their round's merge through the vote, not through the pull
        pull = new PullRound(plan.Count, Math.Max(1, start.Regions), start.Spec.Wire.WaitForMerge && !Units, settings.PullTimeout);
        encoder = new SliceEncoder(start.Spec.Wire.TrainerToAggregator, start.Spec.Wire.ErrorFeedback, [.. plan.Slices.Select(s => s.Length)]);

        Receive<Begin>(_ =>
        {
            if (Prepare())
            {
                Timers.StartPeriodicTimer(nameof(ReportTick), ReportTick.Instance, settings.ReportInterval);
                Pull();
            }
        });
        Receive<StartTraining>(Reassign);
        Receive<SliceData>(OnSlice);
        Receive<SliceChanges>(OnChanges);
        Receive<SliceUnchanged>(u =>
        {
            if (localSlice.TryGetValue(u.Slice, out var slice))
            {
                Then(slice, pull.Unchanged(slice, u.Version, Now));
            }
        });
        Receive<SliceNotReady>(n =>
        {
            if (localSlice.TryGetValue(n.Slice, out var slice))
            {
                Then(slice, pull.NotReady(slice, Now));
            }
        });
        ReceiveSplitSteps();
        Receive<RetryPull>(r =>
        {
            (pull, var ask) = pull.Retry(r.Slice, r.Round, Now);
            if (ask is { } a)
            {
                Ask(a);
            }
        });
        Receive<PullTimeout>(t =>
        {
            var outstanding = pull.Outstanding;
            (pull, var asks) = pull.TimedOut(t.Round, Now);
            if (asks.Length > 0)
            {
                log.Warning("trainer {0}: {1} slices did not answer within {2}; asking again", start.JobId, outstanding, settings.PullTimeout);
                foreach (var ask in asks)
                {
                    Ask(ask);
                }

                Timers.StartSingleTimer(nameof(PullTimeout), new PullTimeout(pull.Round), settings.PullTimeout);
            }
        });
        Receive<UnitAssigned>(Compute);
        Receive<NoUnit>(no =>
        {
            Timers.Cancel(nameof(UnitWait));
            log.Debug("trainer {0}: no work unit now: {1}", start.JobId, no.Reason);
            Timers.StartSingleTimer(nameof(UnitWait), new UnitWait(unitAsks), UnitRetry);
        });
        Receive<UnitWait>(w =>
        {
            if (w.Ask == unitAsks)
            {
                Pull();
            }
        });
        Receive<ContributionRejected>(r => log.Error("trainer {0}: the aggregator refused slice {1}: {2}", start.JobId, r.Slice, r.Reason));
        Receive<ReportTick>(_ => Report());
        Receive<PrivacyLeaseGranted>(Leased);
        Receive<LeaseTimeout>(_ =>
        {
            if (awaitingLease)
            {
                AskLease(); // the coordinator moved or the answer was lost: a second reservation only over-counts
            }
        });
        Receive<SecureRosterFixed>(SecureShare);
        Receive<SecureSharesFor>(SecureMask);
        Receive<SecureUnmask>(SecureReveal);
        Receive<SecureRoundEnded>(SecureEnded);
        Receive<SecureWait>(w =>
        {
            if (w.Wait != secureWaits || secureClient is null || droppedOut)
            {
                return;
            }

            if (secureClient.Roster is null)
            {
                // no roster yet: join again (the aggregator keeps one join per trainer; one that moved has forgotten it)
                aggregators.Tell(new SecureJoin(start.JobId, start.Region, secureClient.Keys), Self);
                WaitForSecureRound();
                return;
            }

            LeaveSecureRound($"it did not move for {SecureRoundWait}");
        });
        Receive<Terminated>(t =>
        {
            if (t.ActorRef.Equals(secureRounds) && secureClient is not null && !droppedOut)
            {
                LeaveSecureRound("its aggregator is gone");
            }

            SplitServerGone(t.ActorRef);
        });
        Receive<StopTraining>(_ =>
        {
            Report();
            log.Info("trainer {0}: stopped after {1} samples", start.JobId, samples);
            Context.Stop(Self);
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Props for the trainer, on the pinned training dispatcher; <paramref name="time"/> is its clock (the system's when null);
    /// <paramref name="splitServers"/>: the split-servers' shard region (a split job's steps go there).
    /// </summary>
    public static Props Props(StartTraining start, IActorRef shards, IActorRef aggregators, EdgeTrainSettings settings, string node, TimeProvider? time = null, IActorRef? splitServers = null) =>
        Akka.Actor.Props.Create(() => new TrainerActor(start, shards, aggregators, settings, node, time, splitServers)).WithDispatcher("edgetrain.training.dispatcher");

    // time since this trainer was created, on its clock
    private TimeSpan Now => time.GetElapsedTime(origin);

    // a shared-data job computed in voted work units
    private bool Units => start.Spec.Data.Placement == DataPlacement.Shared && start.Spec.Redundancy is not null;

    // how soon a trainer told there is no unit now pulls and asks again
    private TimeSpan UnitRetry => TimeSpan.FromTicks(Math.Min(settings.NotReadyRetry.Ticks, settings.MergeWaitPoll.Ticks * 5));

    /// <inheritdoc />
    protected override void PreStart() => Self.Tell(Begin.Instance);

    /// <inheritdoc />
    protected override void PostStop()
    {
        secureClient?.Dispose();
        batches?.Dispose();
        text?.Dispose();
        optimizer?.Dispose();
        if (splitClient is not null)
        {
            splitClient.Dispose(); // its module is the model
        }
        else
        {
            model?.Dispose();
        }
    }

    private bool Prepare()
    {
        var spec = start.Spec;
        try
        {
            if (Units)
            {
                // one thread: libtorch's CPU kernels split sums by thread count, and replicas must sum alike
                set_num_threads(1);
            }
            else if (settings.TorchThreads > 0)
            {
                set_num_threads(settings.TorchThreads);
            }

            device = TorchDevice.Select();
            // a split job's data node holds only its own layers
            model = split is null ? ModelFactory.Create(spec.Model, spec.Seed) : (splitClient = new SplitClient(split, device)).Module;
            model.to(device);
            optimizer = OptimizerFactory.Create(spec.Optimizer, model);
            view = new FlatParameterView(model);
            if (view.TotalFloats != plan.TotalFloats)
            {
                throw new InvalidInputException(node, "model", $"this node's {spec.Model.Kind} has {view.TotalFloats} parameters, the job's slices {plan.TotalFloats}");
            }

            if (spec.Privacy is { Mode: PrivacyMode.Example } privacy)
            {
                privateGradients = new DpSgdGradients((MlpModel)model, privacy.Clip, privacy.NoiseMultiplier);
            }

            if (Dp)
            {
                privacySpent = start.PriorPrivacy is { } prior ? RdpAccountant.From(prior) : RdpAccountant.Empty;
            }

            step = new TrainingStep(model, optimizer, privateGradients, spec.Recompute);
            languageStep = Language ? new LanguageModelStep(model, optimizer) : null;
            update = new float[plan.TotalFloats];
            LoadData();
            return true;
        }
        catch (Exception e) when (e is InvalidInputException or ArgumentException or IOException)
        {
            Fail(e);
            return false;
        }
    }

    // The job again: from a coordinator that moved (new reference) or with other partitions.
    private void Reassign(StartTraining again)
    {
        var moved = !again.Assigned.SequenceEqual(start.Assigned);
        start = again;
        if (again.PriorPrivacy is { } prior && Dp)
        {
            // its examples now include the new partitions': bound both histories
            privacySpent = privacySpent.Max(RdpAccountant.From(prior));
        }

        if (moved)
        {
            leaseLeft = 0; // a lease covered the old partitions only
        }

        pull = pull with { Regions = Math.Max(1, again.Regions) };
        if (!moved)
        {
            return;
        }

        try
        {
            LoadData();
        }
        catch (Exception e) when (e is InvalidInputException or ArgumentException or IOException)
        {
            Fail(e);
        }
    }

    // This node cannot train the job: the coordinator hears why (and moves the partitions on).
    private void Fail(Exception e)
    {
        log.Error("trainer {0}: cannot train: {1}", start.JobId, e.Message);
        start.Coordinator.Tell(new TrainerFailed(start.JobId, node, e.Message));
        Context.Stop(Self);
    }

    // Loads this node's partitions of the training set; only they are ever read here.
    private void LoadData()
    {
        var spec = start.Spec;
        if (Language)
        {
            LoadText();
            return;
        }

        all ??= MnistLoader.LoadTrain(spec.Data.Path);
        if (Units)
        {
            // shared data: the whole set, rows picked by the work units
            var shared = settings.Adversary is { LabelFlip: true } ? new MnistSet(all.Images, [.. all.Labels.Select(l => Adversary.FlipLabel(l, MnistSet.Classes))]) : all;
            batches?.Dispose();
            batches = new BatchSampler(shared, spec.BatchSize, spec.Seed, device!);
            log.Info("trainer {0}: shared data ({1} samples), work units from region {2}'s vote, one libtorch thread", start.JobId, shared.Count, start.VoteRegion ?? start.Region);
            return;
        }

        var parts = DataPartitioner.Partition(all.Labels, MnistSet.Classes, start.Partitions, spec.Data.Partitioning, spec.Data.LabelsPerPartition, spec.Seed);
        var mine = all.Subset(start.Assigned.SelectMany(p => parts[p]).ToArray());
        if (settings.Adversary is { LabelFlip: true })
        {
            // an attacker for demonstrations: trains on wrong labels (edgetrain.training.adversary = label-flip)
            mine = new MnistSet(mine.Images, [.. mine.Labels.Select(l => Adversary.FlipLabel(l, MnistSet.Classes))]);
        }

        batches?.Dispose();
        batches = new BatchSampler(mine, spec.BatchSize, spec.Seed + start.Assigned[0], device!);
        log.Info("trainer {0}: partitions {1} ({2} samples, {3}), region {4}, {5} local step(s)",
            start.JobId, $"{string.Join(",", start.Assigned)} of {start.Partitions}", mine.Count, spec.Data.Partitioning, start.Region, spec.LocalSteps);
    }

    private void Pull()
    {
        roundBegan = Now;
        (pull, var asks) = pull.Begin(roundBegan);
        foreach (var ask in asks)
        {
            Ask(ask);
        }

        Timers.StartSingleTimer(nameof(PullTimeout), new PullTimeout(pull.Round), settings.PullTimeout);
    }

    private void Ask(SliceAsk ask) => shards.Tell(new PullSlice(start.JobId, slices[ask.Slice], ask.HaveVersion));

    private void OnSlice(SliceData data)
    {
        if (!localSlice.TryGetValue(data.Slice, out var slice) || data.Values.Length != plan[slice].Length)
        {
            log.Error("trainer {0}: slice {1} arrived with {2} floats; ignored", start.JobId, data.Slice, data.Values.Length);
            return;
        }

        bytesPulled += TensorPayloadSerializer.PayloadBytes(data.Values);
        var (next, verdict) = pull.Data(slice, data.Version, Now);
        if (verdict != PullVerdict.Ignore)
        {
            plan.CopyInto(current, slice, data.Values);
        }

        Then(slice, (next, verdict));
    }

    // only what changed since this trainer's copy: applied when the copy is at the version the
    // changes start from (PullRound decides); a payload that does not apply asks for the whole slice
    private void OnChanges(SliceChanges changes)
    {
        if (!localSlice.TryGetValue(changes.Slice, out var slice))
        {
            return;
        }

        var (next, verdict) = pull.Changes(slice, changes.FromVersion, changes.Version, Now);
        if (verdict != PullVerdict.Ignore)
        {
            try
            {
                SparseValues.ScatterInto(changes.Payload, plan.Of((Span<float>)current, slice), $"changes to slice {slice}");
            }
            catch (InvalidInputException e)
            {
                log.Error("trainer {0}: {1}; asking for the whole slice", start.JobId, e.Message);
                (pull, var ask) = pull.Unusable(slice, Now);
                if (ask is { } a)
                {
                    Ask(a);
                }

                return;
            }

            bytesPulled += changes.Payload.Length;
        }

        Then(slice, (next, verdict));
    }

    // takes the pull state a reply led to, and does what it says about the slice
    private void Then(int slice, (PullRound Next, PullVerdict Verdict) outcome)
    {
        pull = outcome.Next;
        switch (outcome.Verdict)
        {
            case PullVerdict.AwaitMerge:
                Timers.StartSingleTimer($"retry-{slice}", new RetryPull(slice, pull.Round), settings.MergeWaitPoll);
                break;
            case PullVerdict.RetryLater:
                Timers.StartSingleTimer($"retry-{slice}", new RetryPull(slice, pull.Round), settings.NotReadyRetry);
                break;
            case PullVerdict.Complete:
                Timers.Cancel(nameof(PullTimeout));
                var began = Now;
                waiting += began - roundBegan;
                if (split is not null)
                {
                    BeginSplitRound(began);
                    break;
                }

                if (Units)
                {
                    AskForUnit();
                    break;
                }

                if (Dp && leaseLeft == 0 && !budgetSpent)
                {
                    AskLease(); // the round trains when the coordinator has reserved the steps
                    break;
                }

                if (Train(began))
                {
                    Pull();
                }

                break;
            case PullVerdict.Settled:
            case PullVerdict.Ignore:
                break;
        }
    }

    // one round of training and its contribution; false when the privacy budget allows no further step
    private bool Train(TimeSpan began)
    {
        var spec = start.Spec;
        if (!MayTakePrivateStep())
        {
            return false;
        }

        view!.CopyFrom(current);
        var used = 0;
        if (spec.LocalSteps <= 1)
        {
            used = Language ? TextStep(apply: false) : ClassifierGradients();
            PrivateStepTaken();
            view.CopyGradientsTo(update);
        }
        else
        {
            // local-steps steps, or as many as fit in the local time budget (at least one)
            var taken = 0;
            do
            {
                used += Language ? TextStep(apply: true) : ClassifierStep();
                PrivateStepTaken();
                taken++;
            }
            while (spec.TakesAnotherLocalStep(taken, Now - began) && MayTakePrivateStep());

            // update = θ_start − θ_end: the shards move against it
            view.CopyTo(update);
            for (var i = 0; i < update!.Length; i++)
            {
                update[i] = current[i] - update[i];
            }
        }

        samples += used;
        if (settings.Adversary is { LabelFlip: false } adversary)
        {
            adversary.Apply(update, noise ??= new Random(start.Spec.Seed + start.Assigned[0]));
        }

        if (Secure)
        {
            JoinSecureRound(used);
            busy += Now - began;
            return false; // the round's end pulls again
        }

        Contribute(used);
        busy += Now - began;
        return !budgetSpent;
    }

    // one batch of the node's images: its gradients only, or a step of the job's optimizer; returns the rows trained on
    private int ClassifierGradients()
    {
        using var rows = batches!.Next();
        AddLoss(step!.Gradients(batches.Inputs, batches.Targets, rows));
        return (int)rows.shape[0];
    }

    private int ClassifierStep()
    {
        using var rows = batches!.Next();
        AddLoss(step!.Run(batches.Inputs, batches.Targets, rows));
        return (int)rows.shape[0];
    }

    // the update, slice by slice, through the job's codec to the region's aggregator
    private void Contribute(int used)
    {
        for (var i = 0; i < plan.Count; i++)
        {
            var payload = encoder.Encode(i, plan.Of((ReadOnlySpan<float>)update, i));
            if (settings.Adversary is { } forger)
            {
                payload = forger.Forge(payload, plan[i].Length);
            }

            bytesSent += payload.Length;
            aggregators.Tell(new Contribution(start.JobId, start.Region, slices[i], pull.Versions[i], used, payload), Self);
        }

        pull = pull.Contributed();
        contributions++;
    }

    // a secure aggregation job: updates are summed in masked rounds, never sent as contributions
    private bool Secure => start.Spec.Privacy is { SecureAggregation: true };

    // how long a trainer waits for the next message of its secure round: for a roster, a phase timeout before it joins
    // again; in a round, two (each phase ends within one), before it leaves the round
    private TimeSpan SecureRoundWait => secureClient?.Roster is null ? settings.SecurePhaseTimeout : (settings.SecurePhaseTimeout * 2) + TimeSpan.FromSeconds(1);

    // the round cannot end for this trainer (its aggregator went away, or it stopped answering): its update is dropped, train again
    private void LeaveSecureRound(string why)
    {
        log.Warning("trainer {0}: leaving secure round {1}: {2}; training again", start.JobId, secureClient?.Roster?.RoundId ?? "(no roster yet)", why);
        secureClient?.Dispose();
        secureClient = null;
        StopWatchingRounds();
        Timers.Cancel(nameof(SecureWait));
        Pull();
    }

    private void StopWatchingRounds()
    {
        if (secureRounds is not null)
        {
            Context.Unwatch(secureRounds);
            secureRounds = null;
        }
    }

    // the update, through the job's codec as a plain contribution would carry it, joins the region's next secure round with fresh keys
    private void JoinSecureRound(double used)
    {
        secureUpdate ??= new float[plan.TotalFloats];
        securePlainBytes = 0;
        for (var i = 0; i < plan.Count; i++)
        {
            var payload = encoder.Encode(i, plan.Of((ReadOnlySpan<float>)update, i));
            securePlainBytes += payload.Length;
            TensorCodecs.ForPayload(payload, "this trainer's encoder").Decode(payload, plan.Of((Span<float>)secureUpdate, i), "this trainer's encoder");
        }

        if (start.Spec.Privacy is { Mode: PrivacyMode.Client } privacy)
        {
            // the update as it will be summed, clipped (after the codec, whose error feedback may lengthen it); the round is
            // spent now, before anything of it leaves (its noise share is added once the roster gives the threshold)
            ClientLevelNoise.Clip(secureUpdate, privacy.Clip);
            privacySpent = privacySpent.Step(1.0, privacy.NoiseMultiplier);
            leaseLeft--;
        }

        secureWeight = used;
        secureClient?.Dispose();
        secureClient = new SecureClient();
        aggregators.Tell(new SecureJoin(start.JobId, start.Region, secureClient.Keys), Self);
        bytesSent += secureClient.Keys.Cipher.Length + secureClient.Keys.Mask.Length;
        WaitForSecureRound();
    }

    private void WaitForSecureRound() => Timers.StartSingleTimer(nameof(SecureWait), new SecureWait(++secureWaits), SecureRoundWait);

    // the roster: shares of this round's secrets, one encrypted box per neighbour, through the aggregator
    private void SecureShare(SecureRosterFixed fixedRoster)
    {
        if (secureClient is null || droppedOut)
        {
            return;
        }

        Dictionary<int, byte[]> boxes;
        try
        {
            boxes = secureClient.Share(fixedRoster.Roster, fixedRoster.Index);
        }
        catch (InvalidInputException e)
        {
            log.Error("trainer {0}: {1}", start.JobId, e.Message);
            return;
        }

        aggregators.Tell(new SecureShares(start.JobId, start.Region, fixedRoster.Roster.RoundId, fixedRoster.Index, boxes), Self);
        bytesSent += boxes.Values.Sum(b => (long)b.Length);
        // the rounds' actor on the aggregator's node: if it goes (its node died), the round is over for everyone in it
        StopWatchingRounds();
        secureRounds = Sender;
        Context.Watch(secureRounds);
        WaitForSecureRound();
    }

    // the neighbours' shares: the update in the roster's fixed point, masked
    private void SecureMask(SecureSharesFor shares)
    {
        if (secureClient?.Roster is not { } roster || roster.RoundId != shares.RoundId || droppedOut)
        {
            return;
        }

        if (settings.Adversary is { Mode: AdversaryMode.DropMidRound })
        {
            // the aggregator has its shares (it forwards its neighbours' only to those whose shares it collected): gone before its vector
            droppedOut = true;
            log.Error("trainer {0}: secure round {1}: keys and shares sent and collected; {2} (edgetrain.training.adversary = drop-mid-round): nothing more from this trainer",
                start.JobId, roster.RoundId, Adversary.DropMidRoundMarker);
            return;
        }

        if (start.Spec.Privacy is { Mode: PrivacyMode.Client } privacy)
        {
            // this trainer's share of the round's noise: any threshold of shares sums to σ·C at least
            ClientLevelNoise.Add(secureUpdate, ClientLevelNoise.ShareDeviation(privacy.NoiseMultiplier, privacy.Clip, roster.Threshold));
        }

        uint[] masked;
        try
        {
            masked = secureClient.Mask(roster.Quantiser.Encode(secureUpdate), shares.Boxes);
        }
        catch (InvalidInputException e)
        {
            log.Error("trainer {0}: {1}; this trainer sits the round out", start.JobId, e.Message);
            return;
        }

        var words = SecureRound.ToBytes(masked, roster.WordBits);
        aggregators.Tell(new SecureMasked(start.JobId, start.Region, roster.RoundId, secureClient.Index, words, secureWeight, securePlainBytes), Self);
        bytesSent += words.Length;
        WaitForSecureRound();
    }

    // the survivors and dropouts are named: this trainer's shares of their secrets, one kind for each
    private void SecureReveal(SecureUnmask unmask)
    {
        if (secureClient?.Roster is not { } roster || roster.RoundId != unmask.RoundId || droppedOut)
        {
            return;
        }

        try
        {
            var reveal = secureClient.Reveal(unmask.Survivors, unmask.Dropped);
            aggregators.Tell(new SecureRevealed(start.JobId, start.Region, roster.RoundId, secureClient.Index, reveal), Self);
            bytesSent += (reveal.SelfShares.Count + reveal.MaskShares.Count) * (4L + 1 + MaskStream.SeedBytes);
            WaitForSecureRound();
        }
        catch (InvalidInputException e)
        {
            log.Error("trainer {0}: {1}", start.JobId, e.Message);
        }
    }

    // the round ended: merged (the next pull waits for the merged update) or aborted; train again
    private void SecureEnded(SecureRoundEnded ended)
    {
        if (secureClient?.Roster is not { } roster || roster.RoundId != ended.RoundId || droppedOut)
        {
            return;
        }

        secureClient.Dispose();
        secureClient = null;
        StopWatchingRounds();
        Timers.Cancel(nameof(SecureWait));
        if (ended.Merged)
        {
            contributions++;
            pull = pull.Contributed();
        }
        else
        {
            log.Info("trainer {0}: secure round {1} aborted ({2}); training again", start.JobId, ended.RoundId, ended.Reason);
        }

        Pull();
    }

    // differential privacy of either kind: steps (example) or rounds (client) are taken under the coordinator's leases
    private bool Dp => start.Spec.Privacy is { Dp: true };

    // client-level DP: a step of the accountant is a round, in which every one of the trainer's examples takes part
    private bool ClientDp => start.Spec.Privacy is { Mode: PrivacyMode.Client };

    // each example's chance of being in a batch: batch size ÷ the examples this trainer holds (client-level: 1, every round)
    private double SamplingRate => ClientDp ? 1.0 : Math.Min(1.0, (double)start.Spec.BatchSize / Math.Max(1, batches!.Count));

    // without DP: until the budget is spent (never); with DP: while the coordinator's lease has steps left
    private bool MayTakePrivateStep() => !budgetSpent && (!Dp || leaseLeft > 0);

    private void PrivateStepTaken()
    {
        if (privateGradients is not null)
        {
            privacySpent = privacySpent.Step(SamplingRate, start.Spec.Privacy!.NoiseMultiplier);
            leaseLeft--;
        }
    }

    // asks the coordinator to reserve the next steps (answered by PrivacyLeaseGranted; asked again on a timeout)
    private void AskLease()
    {
        awaitingLease = true;
        // a client-level round is seconds long and spends much more than a DP-SGD step: leased one at a time
        start.Coordinator.Tell(new LeasePrivacy(start.JobId, node, start.Assigned, privacySpent.Spent, SamplingRate, ClientDp ? 1 : settings.PrivacyLeaseSteps));
        Timers.StartSingleTimer(nameof(LeaseTimeout), LeaseTimeout.Instance, settings.PullTimeout);
    }

    // steps reserved: the round that waited for them trains now; none: the budget is spent and training stops
    private void Leased(PrivacyLeaseGranted granted)
    {
        var waited = awaitingLease;
        awaitingLease = false;
        Timers.Cancel(nameof(LeaseTimeout));
        if (granted.Steps <= 0)
        {
            if (!budgetSpent && start.Spec.Privacy is { } privacy)
            {
                budgetSpent = true;
                log.Info("trainer {0}: privacy budget: ε = {1:0.###} after {2} steps; the coordinator grants no more (target-epsilon {3}): training stops",
                    start.JobId, privacySpent.Epsilon(privacy.Delta).Epsilon, privacySpent.Steps, privacy.TargetEpsilon);
                Report();
            }

            return;
        }

        leaseLeft += granted.Steps;
        if (waited && Train(Now))
        {
            Pull();
        }
    }

    // the model is pulled: ask the region's vote for a unit of this version (asked again when the answer is lost)
    private void AskForUnit()
    {
        unitAsks++;
        aggregators.Tell(new RequestUnit(start.JobId, start.VoteRegion ?? start.Region, [.. pull.Versions], batches!.Count), Self);
        Timers.StartSingleTimer(nameof(UnitWait), new UnitWait(unitAsks), settings.PullTimeout);
    }

    // one work unit: the unit's rows of the shared set in its order, its seed, the model version it names
    private void Compute(UnitAssigned assigned)
    {
        Timers.Cancel(nameof(UnitWait));
        var unit = assigned.Unit;
        if (!pull.IsComplete || !unit.Versions.AsSpan().SequenceEqual(pull.Versions.AsSpan()))
        {
            Pull(); // the unit's model is not the one held here: pull again and ask again
            return;
        }

        var began = Now;
        var spec = start.Spec;
        random.manual_seed(unit.Seed);
        view!.CopyFrom(current);
        using (var rows = tensor(unit.Samples.Select(i => (long)i).ToArray(), ScalarType.Int64).to(device!))
        {
            if (spec.LocalSteps <= 1)
            {
                AddLoss(step!.Gradients(batches!.Inputs, batches.Targets, rows));
                view.CopyGradientsTo(update);
            }
            else
            {
                // a fresh inner optimizer for every unit: its state must not depend on this node's earlier units
                optimizer!.Dispose();
                optimizer = OptimizerFactory.Create(spec.Optimizer, model!);
                step = new TrainingStep(model!, optimizer);
                for (var offset = 0; offset < unit.Samples.Length; offset += spec.BatchSize)
                {
                    using var batch = rows.narrow(0, offset, Math.Min(spec.BatchSize, unit.Samples.Length - offset));
                    AddLoss(step.Run(batches!.Inputs, batches.Targets, batch));
                }

                view.CopyTo(update);
                for (var i = 0; i < update!.Length; i++)
                {
                    update[i] = current[i] - update[i];
                }
            }
        }

        if (settings.Adversary is { LabelFlip: false } adversary)
        {
            adversary.Apply(update, noise ??= new Random(start.Spec.Seed + node.GetHashCode(StringComparison.Ordinal)));
        }

        samples += unit.Samples.Length;
        contributions++;
        bytesSent += update!.Length * sizeof(float);
        aggregators.Tell(new UnitResult(start.JobId, start.VoteRegion ?? start.Region, unit.Id, unit.Versions, unit.Samples.Length, [.. update]), Self);
        busy += Now - began;
        Pull();
    }

    private void AddLoss(float loss)
    {
        if (float.IsFinite(loss))
        {
            lossSum += loss;
            lossCount++;
        }
    }

    private void Report()
    {
        if (lossCount > 0)
        {
            lastLoss = lossSum / lossCount;
            lossSum = 0;
            lossCount = 0;
        }

        if (pull.ShortestRoundTrip is { } trip)
        {
            roundTripMs = trip.TotalMilliseconds;
            pull = pull.RoundTripTaken();
        }

        // the round under way has waited since it began
        var waited = pull.Round > 0 && !pull.IsComplete ? waiting + (Now - roundBegan) : waiting;
        start.Coordinator.Tell(new TrainerProgress(start.JobId, node, start.Region, samples, lastLoss, contributions, bytesSent,
            busy.TotalSeconds, waited.TotalSeconds, bytesPulled, roundTripMs)
        {
            Privacy = Dp ? new PrivacyReport(start.Assigned, privacySpent.Spent, budgetSpent) : null,
            PeakBytes = EdgeTrain.Training.Memory.PeakMemory.Bytes(),
        });
    }

    private sealed class LeaseTimeout
    {
        public static readonly LeaseTimeout Instance = new();
    }

    private sealed class Begin
    {
        public static readonly Begin Instance = new();
    }

    private sealed class ReportTick
    {
        public static readonly ReportTick Instance = new();
    }

    private sealed record PullTimeout(int Round);

    private sealed record UnitWait(int Ask);

    private sealed record SecureWait(int Wait);

    private sealed record RetryPull(int Slice, int Round);
}
