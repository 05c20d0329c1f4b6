using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Training;
using EdgeTrain.Core;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Training;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;
using EdgeTrain.Training.Split;
using TorchSharp;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static EdgeTrain.Actors.Split.SplitProtocol;

namespace EdgeTrain.Actors.Split;

/// <summary>
/// A split job's split-server (a sharded entity, id: the job's id, on a trainer-role node): the layers after the cut,
/// trained on the activations of every data node of the job in turn (SplitFed's shared server: one server model, the
/// data nodes' own layers merged by their region aggregators as any contribution is). It asks the coordinator for the
/// job, pulls its slices (the server's part of the model, owned by parameter shards like any other), answers each step
/// with the activations' gradient, steps the job's optimizer, and every <c>local-steps</c> steps sends θ_start − θ_end
/// (one step: the gradient) of its slices straight to their shards — it is their only contributor, so nothing is merged
/// — and pulls them again once they acknowledge. Steps that arrive meanwhile wait. In the U-shape (the loss on the data
/// nodes) it holds one step's graph at a time: other steps wait for it, at most <c>split-step-timeout</c>.
/// <para>
/// A split-server whose node dies comes back on another trainer node at the next step a data node sends (again after
/// <c>split-step-timeout</c>): from its slices, losing only the steps since its last acknowledged update. It stops when
/// no step has come for <c>split-server-idle</c> (the job ended).
/// </para>
/// </summary>
public sealed class SplitServerActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly string jobId;
    private readonly IActorRef shards;
    private readonly IActorRef coordinator;
    private readonly EdgeTrainSettings settings;
    // this incarnation's name towards the shards: its sequence numbers start again at 1
    private readonly string updater = $"split-server:{Guid.NewGuid():N}"[..21];
    private JobSpec? spec;
    private SplitLayout? layout;
    private SplitServer? server;
    private FlatParameterView? view;
    private torch.optim.Optimizer? optimizer;
    private ITensorCodec? codec;
    private SliceEncoder? encoder;
    private SlicePlan? plan;
    private int[] slices = [];
    private Dictionary<int, int> local = [];
    private float[] current = [];
    private float[] update = [];
    private PullRound? pull;
    private int steps;
    private long sequence;
    private readonly Dictionary<int, long> unacknowledged = [];
    private IActorRef? pendingFrom;
    private long pendingStep;
    private long served;
    private long bytesPushed;
    private long bytesPulled;
    private long mergedSent;
    private long acknowledgedUpdates;
    private long acknowledgedThrough;
    private int jobSlices;
    private MergedUpdate[] pushed = [];
    private readonly long origin = TimeProvider.System.GetTimestamp();

    /// <summary>What a split-server's log says once it serves its layers (the demo's <c>--chaos kill-split-server</c> looks for it).</summary>
    public const string ServingMarker = "serves the layers after the cut";

    /// <summary>The region a split-server's progress names (it reports as its slices' only aggregator).</summary>
    public const string ReportRegion = "split-server";

    /// <summary>Creates the split-server of job <paramref name="jobId"/>.</summary>
    public SplitServerActor(string jobId, IActorRef shards, IActorRef coordinator, EdgeTrainSettings settings)
    {
        this.jobId = jobId;
        this.shards = shards;
        this.coordinator = coordinator;
        this.settings = settings;
        Loading();
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>Props for the split-server entity <paramref name="entityId"/> (a job's id), on the pinned training dispatcher.</summary>
    public static Props Props(string entityId, IActorRef shards, IActorRef coordinator, EdgeTrainSettings settings) =>
        Akka.Actor.Props.Create(() => new SplitServerActor(entityId, shards, coordinator, settings)).WithDispatcher("edgetrain.training.dispatcher");

    /// <inheritdoc />
    protected override void PreStart()
    {
        Describe();
        Context.SetReceiveTimeout(settings.SplitServerIdle);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        optimizer?.Dispose();
        server?.Dispose();
    }

    private void Describe()
    {
        coordinator.Tell(new DescribeSplitJob(jobId));
        Timers.StartSingleTimer(nameof(DescribeAgain), DescribeAgain.Instance, settings.PullTimeout);
    }

    // asking the coordinator for the job: steps are answered "not ready" (the data node begins them again later)
    private void Loading()
    {
        Receive<DescribeAgain>(_ => Describe());
        Receive<SplitJobDescribed>(Load);
        Receive<SplitJobUnknown>(_ =>
        {
            log.Warning("split-server {0}: the coordinator knows no running split job of that id; stopping", jobId);
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
        Receive<SplitForward>(f => Sender.Tell(new SplitNotReady(jobId, f.Step, "the split-server is starting")));
        Receive<SplitHiddenGradient>(g => Sender.Tell(new SplitNotReady(jobId, g.Step, "the split-server is starting")));
        Idle();
    }

    private void Load(SplitJobDescribed described)
    {
        Timers.Cancel(nameof(DescribeAgain));
        try
        {
            spec = described.Spec;
            layout = SplitLayout.Of(spec.Model);
            var all = new SlicePlan(described.SliceLengths);
            jobSlices = described.SliceLengths.Length;
            slices = layout.ServerSlices(spec.SliceFloats);
            if (slices.Length == 0 || all.TotalFloats != ModelLayout.Of(spec.Model).TotalFloats)
            {
                throw new InvalidInputException(jobId, "model.split", $"the job's {described.SliceLengths.Length} slices do not fit its split model");
            }

            local = slices.Select((global, index) => (global, index)).ToDictionary(p => p.global, p => p.index);
            plan = new SlicePlan([.. slices.Select(s => described.SliceLengths[s])]);
            if (settings.TorchThreads > 0)
            {
                torch.set_num_threads(settings.TorchThreads);
            }

            server = new SplitServer(layout, TorchDevice.Select());
            view = new FlatParameterView(server.Module);
            if (view.TotalFloats != plan.TotalFloats)
            {
                throw new InvalidInputException(jobId, "model.split", $"the server's layers have {view.TotalFloats} parameters, its slices {plan.TotalFloats}");
            }

            optimizer = OptimizerFactory.Create(spec.Optimizer, server.Module);
            codec = TensorCodecs.For(spec.Model.Split!.Codec);
            encoder = new SliceEncoder(spec.Wire.AggregatorToShard, spec.Wire.ErrorFeedback, [.. plan.Slices.Select(s => s.Length)]);
            current = new float[plan.TotalFloats];
            update = new float[plan.TotalFloats];
            pull = new PullRound(plan.Count, 1, waitForMerge: false, settings.PullTimeout);
        }
        catch (Exception e) when (e is InvalidInputException or ArgumentException)
        {
            log.Error("split-server {0}: cannot serve the job: {1}", jobId, e.Message);
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
            return;
        }

        var split = spec.Model.Split;
        log.Info("split-server {0} {1}: {2} in slices {3}, loss on the {4}; activations as {5}",
            jobId, ServingMarker, $"{string.Join(",", layout.ServerLayers)} ({plan.TotalFloats} parameters)", string.Join(",", slices), split.Labels.ToString().ToLowerInvariant(), split.Codec.Kind.ToString().ToLowerInvariant());
        BeginPull();
    }

    // pulling its slices: steps wait
    private void Pulling()
    {
        Receive<SliceData>(data =>
        {
            if (local.TryGetValue(data.Slice, out var i) && data.Values.Length == plan![i].Length)
            {
                bytesPulled += (long)data.Values.Length * sizeof(float);
                var (next, verdict) = pull!.Data(i, data.Version, Now);
                if (verdict != PullVerdict.Ignore)
                {
                    plan.CopyInto(current, i, data.Values);
                }

                Then(i, (next, verdict));
            }
        });
        Receive<SliceChanges>(changes =>
        {
            if (!local.TryGetValue(changes.Slice, out var i))
            {
                return;
            }

            var (next, verdict) = pull!.Changes(i, changes.FromVersion, changes.Version, Now);
            if (verdict != PullVerdict.Ignore)
            {
                bytesPulled += changes.Payload.Length;
                try
                {
                    SparseValues.ScatterInto(changes.Payload, plan!.Of((Span<float>)current, i), $"changes to slice {changes.Slice}");
                }
                catch (InvalidInputException e)
                {
                    log.Error("split-server {0}: {1}; asking for the whole slice", jobId, e.Message);
                    (pull, var ask) = pull.Unusable(i, Now);
                    Ask(ask);
                    return;
                }
            }

            Then(i, (next, verdict));
        });
        Receive<SliceUnchanged>(u =>
        {
            if (local.TryGetValue(u.Slice, out var i))
            {
                Then(i, pull!.Unchanged(i, u.Version, Now));
            }
        });
        Receive<SliceNotReady>(n =>
        {
            if (local.TryGetValue(n.Slice, out var i))
            {
                Then(i, pull!.NotReady(i, Now));
            }
        });
        Receive<RetrySlice>(r =>
        {
            (pull, var ask) = pull!.Retry(r.Slice, r.Round, Now);
            Ask(ask);
        });
        Receive<PullAgain>(t =>
        {
            (pull, var asks) = pull!.TimedOut(t.Round, Now);
            foreach (var ask in asks)
            {
                Ask(ask);
            }

            if (asks.Length > 0)
            {
                Timers.StartSingleTimer(nameof(PullAgain), new PullAgain(pull.Round), settings.PullTimeout);
            }
        });
        Receive<ISplitMessage>(_ => Stash.Stash());
        Idle();
    }

    private void BeginPull()
    {
        Become(Pulling);
        (pull, var asks) = pull!.Begin(Now);
        foreach (var ask in asks)
        {
            Ask(ask);
        }

        Timers.StartSingleTimer(nameof(PullAgain), new PullAgain(pull.Round), settings.PullTimeout);
    }

    private void Ask(SliceAsk? ask)
    {
        if (ask is { } a)
        {
            shards.Tell(new PullSlice(jobId, slices[a.Slice], a.HaveVersion));
        }
    }

    private void Then(int slice, (PullRound Next, PullVerdict Verdict) outcome)
    {
        pull = outcome.Next;
        switch (outcome.Verdict)
        {
            case PullVerdict.RetryLater:
            case PullVerdict.AwaitMerge:
                Timers.StartSingleTimer($"retry-{slice}", new RetrySlice(slice, pull.Round), settings.NotReadyRetry);
                break;
            case PullVerdict.Complete:
                Timers.Cancel(nameof(PullAgain));
                view!.CopyFrom(current);
                steps = 0;
                Become(Training);
                Stash.UnstashAll();
                break;
        }
    }

    // the steps of the data nodes
    private void Training()
    {
        Receive<SplitForward>(Forward);
        Receive<SplitHiddenGradient>(Backward);
        Receive<PendingTimeout>(t =>
        {
            if (pendingFrom is not null && t.Step == pendingStep)
            {
                log.Warning("split-server {0}: step {1} of {2} got no gradient in {3}; dropped", jobId, t.Step, pendingFrom.Path.Address, settings.SplitStepTimeout);
                server!.Abandon();
                pendingFrom = null;
                Stash.UnstashAll();
            }
        });
        Idle();
    }

    private void Forward(SplitForward forward)
    {
        if (pendingFrom is not null)
        {
            Stash.Stash(); // a U-shaped step holds the graph; this one waits for it
            return;
        }

        if (Decode(forward.Activations, forward.Rows, layout!.CutWidth, forward.Step, "activations") is not { } activations)
        {
            return;
        }

        try
        {
            if (layout.Split.Labels == SplitLabels.Server)
            {
                if (forward.Labels is null)
                {
                    Sender.Tell(new SplitRefused(jobId, forward.Step, "no labels: this job's loss is on the split-server (model.split.labels = server)"));
                    return;
                }

                optimizer!.zero_grad();
                var (gradient, loss) = server!.Step(activations, forward.Rows, forward.Labels);
                Sender.Tell(new SplitGradient(jobId, forward.Step, codec!.Encode(gradient), loss));
                StepTaken();
                return;
            }

            optimizer!.zero_grad();
            var hidden = server!.Forward(activations, forward.Rows);
            pendingFrom = Sender;
            pendingStep = forward.Step;
            Sender.Tell(new SplitHidden(jobId, forward.Step, codec!.Encode(hidden)));
            Timers.StartSingleTimer(nameof(PendingTimeout), new PendingTimeout(forward.Step), settings.SplitStepTimeout);
        }
        catch (ArgumentException e)
        {
            Sender.Tell(new SplitRefused(jobId, forward.Step, e.Message));
        }
    }

    private void Backward(SplitHiddenGradient gradient)
    {
        if (pendingFrom is null || !pendingFrom.Equals(Sender) || gradient.Step != pendingStep)
        {
            Sender.Tell(new SplitRefused(jobId, gradient.Step, "the split-server holds no such step (it timed out, or the server started again): begin the step again"));
            return;
        }

        if (Decode(gradient.Gradient, server!.PendingRows, layout!.TopWidth, gradient.Step, "gradient") is not { } values)
        {
            return;
        }

        try
        {
            var back = server.Backward(values);
            Sender.Tell(new SplitGradient(jobId, gradient.Step, codec!.Encode(back), float.NaN));
        }
        catch (ArgumentException e)
        {
            Sender.Tell(new SplitRefused(jobId, gradient.Step, e.Message));
            server.Abandon();
        }

        Timers.Cancel(nameof(PendingTimeout));
        pendingFrom = null;
        StepTaken();
        Stash.UnstashAll();
    }

    // a payload of rows × width floats (the codecs refuse non-finite ones), or null after refusing it with the reason
    private float[]? Decode(byte[] payload, int rows, int width, long step, string what)
    {
        var source = $"{what} of step {step} from {Sender.Path.Address}";
        if (rows < 1 || rows > 65_536)
        {
            Sender.Tell(new SplitRefused(jobId, step, $"{source}: {rows} rows; expected 1 to 65536"));
            return null;
        }

        if (TensorCodecs.TryDecode(payload, rows * width, source, out var values, out var problem))
        {
            return values;
        }

        Sender.Tell(new SplitRefused(jobId, step, problem));
        return null;
    }

    // one step done: the optimizer steps (or, with one local step, the gradient is the update); every local-steps, push
    private void StepTaken()
    {
        served++;
        steps++;
        var spec = this.spec!;
        if (spec.LocalSteps > 1)
        {
            optimizer!.step();
            if (steps < spec.LocalSteps)
            {
                return;
            }

            // θ_start − θ_end: the shards move against it
            view!.CopyTo(update);
            for (var i = 0; i < update.Length; i++)
            {
                update[i] = current[i] - update[i];
            }
        }
        else
        {
            view!.CopyGradientsTo(update);
        }

        Push();
    }

    // the update to the server's slices, straight to their shards; steps wait until every one is acknowledged
    private void Push()
    {
        sequence++;
        // kept to send again: an update lost on the way goes again with its sequence number, which the shard applies once
        pushed = [.. Enumerable.Range(0, plan!.Count).Select(i => new MergedUpdate(jobId, slices[i], updater, sequence, encoder!.Encode(i, plan.Of((ReadOnlySpan<float>)update, i))))];
        unacknowledged.Clear();
        foreach (var message in pushed)
        {
            unacknowledged[message.Slice] = sequence;
            shards.Tell(message);
            bytesPushed += message.Payload.Length;
            mergedSent++;
        }

        // what the server's side costs the network beside the data nodes' exchanges (docs/benchmarks.md, "Split learning")
        log.Info("split-server {0}: update {1} to its slices after {2} steps served; {3} bytes pushed and {4} pulled so far",
            jobId, sequence, served, bytesPushed, bytesPulled);

        Become(Pushing);
        Timers.StartSingleTimer(nameof(PushAgain), PushAgain.Instance, settings.PullTimeout);
    }

    private void Pushing()
    {
        Receive<UpdateAck>(ack => Acknowledged(ack.Slice, ack.Sequence));
        Receive<UpdateRejected>(rejected =>
        {
            log.Error("split-server {0}: slice {1} refused update {2}: {3}", jobId, rejected.Slice, rejected.Sequence, rejected.Reason);
            Acknowledged(rejected.Slice, rejected.Sequence);
        });
        Receive<PushAgain>(_ =>
        {
            foreach (var message in pushed.Where(u => unacknowledged.ContainsKey(u.Slice)))
            {
                shards.Tell(message);
            }

            Timers.StartSingleTimer(nameof(PushAgain), PushAgain.Instance, settings.PullTimeout);
        });
        Receive<ISplitMessage>(_ => Stash.Stash());
        Idle();
    }

    private void Acknowledged(int slice, long acknowledged)
    {
        if (acknowledged != sequence || !unacknowledged.Remove(slice))
        {
            return;
        }

        acknowledgedUpdates++;
        if (unacknowledged.Count > 0)
        {
            return;
        }

        Timers.Cancel(nameof(PushAgain));
        pushed = [];
        acknowledgedThrough = sequence;
        Report();
        BeginPull();
    }

    // to the coordinator as an aggregator reports: its updates count in the job's, its bytes in its bytes sent, and the
    // lost-update audit checks that its slices' shards still hold every update they acknowledged
    private void Report()
    {
        var acked = new long[jobSlices];
        foreach (var slice in slices)
        {
            acked[slice] = acknowledgedThrough;
        }

        coordinator.Tell(new AggregatorProgress(jobId, ReportRegion, updater, mergedSent, acknowledgedUpdates, bytesPushed, acked));
    }

    private void Idle() => Receive<ReceiveTimeout>(_ =>
    {
        log.Info("split-server {0}: no step for {1} ({2} served); stopping", jobId, settings.SplitServerIdle, served);
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    });

    private TimeSpan Now => TimeProvider.System.GetElapsedTime(origin);

    private sealed class DescribeAgain
    {
        public static readonly DescribeAgain Instance = new();
    }

    private sealed class PushAgain
    {
        public static readonly PushAgain Instance = new();
    }

    private sealed record PendingTimeout(long Step);

    private sealed record PullAgain(int Round);

    private sealed record RetrySlice(int Slice, int Round);
}
