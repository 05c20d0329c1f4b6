using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Data;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Training;
using EdgeTrain.Training.Data;
using EdgeTrain.Training.Local;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;
using TorchSharp;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static TorchSharp.torch;

namespace EdgeTrain.Actors.Training;

/// <summary>
/// Trains one job on this node's partition of the data, which never leaves the node. Loop: pull
/// every slice newer than its copy from the parameter shards, load them into its TorchSharp model
/// through the flat view, take <c>local-steps</c> steps (one dispose scope per step, all inside one
/// message handler), cut the update (the gradient, or θ_start − θ_end) into slices and send each to
/// its region's aggregator encoded with the job's codec (a lossy codec's residual stays here, error
/// feedback), then pull again at once: trainers never wait for each other. The actor
/// owns its module and runs on a pinned thread.
/// </summary>
public sealed class TrainerActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private StartTraining start;
    private readonly IActorRef shards;
    private readonly IActorRef aggregators;
    private readonly EdgeTrainSettings settings;
    private readonly string node;
    private readonly SlicePlan plan;
    private readonly float[] current;
    private readonly long[] versions;
    private readonly bool[] received;
    private readonly long[] contributedFrom;
    private readonly SliceEncoder encoder;
    private nn.Module<Tensor, Tensor>? model;
    private optim.Optimizer? optimizer;
    private FlatParameterView? view;
    private TrainingStep? step;
    private BatchSampler? batches;
    private float[]? update;
    private Device? device;
    private MnistSet? all;
    private int round;
    private int outstanding;
    private long samples;
    private long contributions;
    private long bytesSent;
    private long bytesPulled;
    private double lossSum;
    private int lossCount;
    private double lastLoss = double.NaN;
    private readonly Stopwatch busy = new();
    private readonly Stopwatch waiting = new();
    private TimeSpan roundStarted;
    private static readonly TimeSpan MergeWaitPoll = TimeSpan.FromMilliseconds(20);

    /// <summary>Creates the trainer for <paramref name="start"/>.</summary>
    public TrainerActor(StartTraining start, IActorRef shards, IActorRef aggregators, EdgeTrainSettings settings, string node)
    {
        this.start = start;
        this.shards = shards;
        this.aggregators = aggregators;
        this.settings = settings;
        this.node = node;
        plan = new SlicePlan(start.SliceLengths.Sum(), start.Spec.SliceFloats);
        if (plan.Count != start.SliceLengths.Length)
        {
            throw new ArgumentException($"job {start.JobId}: {start.SliceLengths.Length} slices do not match a {plan.TotalFloats}-float model cut at {start.Spec.SliceFloats}");
        }

        current = new float[plan.TotalFloats];
        versions = Enumerable.Repeat(-1L, plan.Count).ToArray();
        received = new bool[plan.Count];
        contributedFrom = Enumerable.Repeat(-1L, plan.Count).ToArray();
        encoder = new SliceEncoder(start.Spec.Wire.TrainerToAggregator, start.Spec.Wire.ErrorFeedback, start.SliceLengths);

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
        Receive<SliceUnchanged>(u => Settle(u.Slice, u.Version));
        Receive<SliceNotReady>(n => Timers.StartSingleTimer($"retry-{n.Slice}", new RetryPull(n.Slice, round), TimeSpan.FromMilliseconds(250)));
        Receive<RetryPull>(r =>
        {
            if (r.Round == round && !received[r.Slice])
            {
                shards.Tell(new PullSlice(start.JobId, r.Slice, versions[r.Slice]));
            }
        });
        Receive<PullTimeout>(t =>
        {
            if (t.Round == round && outstanding > 0)
            {
                log.Warning("trainer {0}: {1} slices did not answer within {2}; asking again", start.JobId, outstanding, settings.PullTimeout);
                for (var i = 0; i < plan.Count; i++)
                {
                    if (!received[i])
                    {
                        shards.Tell(new PullSlice(start.JobId, i, versions[i]));
                    }
                }

                Timers.StartSingleTimer(nameof(PullTimeout), new PullTimeout(round), settings.PullTimeout);
            }
        });
        Receive<ContributionRejected>(r => log.Error("trainer {0}: the aggregator refused slice {1}: {2}", start.JobId, r.Slice, r.Reason));
        Receive<ReportTick>(_ => Report());
        Receive<StopTraining>(_ =>
        {
            Report();
            log.Info("trainer {0}: stopped after {1} samples", start.JobId, samples);
            Context.Stop(Self);
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the trainer, on the pinned training dispatcher.</summary>
    public static Props Props(StartTraining start, IActorRef shards, IActorRef aggregators, EdgeTrainSettings settings, string node) =>
        Akka.Actor.Props.Create(() => new TrainerActor(start, shards, aggregators, settings, node)).WithDispatcher("edgetrain.training.dispatcher");

    /// <inheritdoc />
    protected override void PreStart() => Self.Tell(Begin.Instance);

    /// <inheritdoc />
    protected override void PostStop()
    {
        batches?.Dispose();
        optimizer?.Dispose();
        model?.Dispose();
    }

    private bool Prepare()
    {
        var spec = start.Spec;
        try
        {
            if (settings.TorchThreads > 0)
            {
                set_num_threads(settings.TorchThreads);
            }

            device = TorchDevice.Select();
            model = ModelFactory.Create(spec.Model, spec.Seed);
            model.to(device);
            optimizer = OptimizerFactory.Create(spec.Optimizer, model);
            view = new FlatParameterView(model);
            if (view.TotalFloats != plan.TotalFloats)
            {
                throw new InvalidInputException(node, "model", $"this node's {spec.Model.Kind} has {view.TotalFloats} parameters, the job's slices {plan.TotalFloats}");
            }

            step = new TrainingStep(model, optimizer);
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
        all ??= MnistLoader.LoadTrain(spec.Data.Path);
        var parts = DataPartitioner.Partition(all.Labels, MnistSet.Classes, start.Partitions, spec.Data.Partitioning, spec.Data.LabelsPerPartition, spec.Seed);
        var mine = all.Subset(start.Assigned.SelectMany(p => parts[p]).ToArray());
        batches?.Dispose();
        batches = new BatchSampler(mine, spec.BatchSize, spec.Seed + start.Assigned[0], device!);
        log.Info("trainer {0}: partitions {1} ({2} samples, {3}), region {4}, {5} local step(s)",
            start.JobId, $"{string.Join(",", start.Assigned)} of {start.Partitions}", mine.Count, spec.Data.Partitioning, start.Region, spec.LocalSteps);
    }

    private void Pull()
    {
        round++;
        outstanding = plan.Count;
        Array.Clear(received);
        waiting.Start();
        roundStarted = waiting.Elapsed;
        for (var i = 0; i < plan.Count; i++)
        {
            shards.Tell(new PullSlice(start.JobId, i, versions[i]));
        }

        Timers.StartSingleTimer(nameof(PullTimeout), new PullTimeout(round), settings.PullTimeout);
    }

    private void OnSlice(SliceData data)
    {
        if (data.Slice < 0 || data.Slice >= plan.Count || data.Values.Length != plan[data.Slice].Length)
        {
            log.Error("trainer {0}: slice {1} arrived with {2} floats; ignored", start.JobId, data.Slice, data.Values.Length);
            return;
        }

        bytesPulled += TensorPayloadSerializer.PayloadBytes(data.Values);
        if (data.Version >= versions[data.Slice])
        {
            plan.CopyInto(current, data.Slice, data.Values);
        }

        Settle(data.Slice, data.Version);
    }

    // only what changed since this trainer's copy: applied when the copy is the version it was
    // computed against, otherwise (a late reply to an earlier pull) the whole slice is asked for
    private void OnChanges(SliceChanges changes)
    {
        var slice = changes.Slice;
        if (slice < 0 || slice >= plan.Count || received[slice])
        {
            return;
        }

        if (changes.FromVersion != versions[slice])
        {
            shards.Tell(new PullSlice(start.JobId, slice, -1));
            return;
        }

        try
        {
            SparseValues.ScatterInto(changes.Payload, plan.Of((Span<float>)current, slice), $"changes to slice {slice}");
        }
        catch (InvalidInputException e)
        {
            log.Error("trainer {0}: {1}; asking for the whole slice", start.JobId, e.Message);
            shards.Tell(new PullSlice(start.JobId, slice, -1));
            return;
        }

        bytesPulled += changes.Payload.Length;
        Settle(slice, changes.Version);
    }

    // the copy of the slice is at version: done for this round, unless the round must wait for a merge
    private void Settle(int slice, long version)
    {
        if (!KeepWaiting(slice, version))
        {
            Arrived(slice, version);
        }
    }

    // with wait-for-merge, a slice that has not taken one merged update per region since the
    // version this trainer last contributed from is asked again shortly, until the round's merged
    // updates arrive (or the pull timeout passes: a merge that never comes must not stop training)
    private bool KeepWaiting(int slice, long version)
    {
        if (!start.Spec.Wire.WaitForMerge || slice < 0 || slice >= plan.Count || received[slice] || contributedFrom[slice] < 0
            || version >= contributedFrom[slice] + start.Regions || waiting.Elapsed - roundStarted >= settings.PullTimeout)
        {
            return false;
        }

        versions[slice] = Math.Max(versions[slice], version);
        Timers.StartSingleTimer($"retry-{slice}", new RetryPull(slice, round), MergeWaitPoll);
        return true;
    }

    private void Arrived(int slice, long version)
    {
        if (slice < 0 || slice >= plan.Count || received[slice])
        {
            return;
        }

        versions[slice] = Math.Max(versions[slice], version);
        received[slice] = true;
        if (--outstanding == 0)
        {
            waiting.Stop();
            Timers.Cancel(nameof(PullTimeout));
            Train();
            Pull();
        }
    }

    private void Train()
    {
        busy.Start();
        var spec = start.Spec;
        view!.CopyFrom(current);
        var used = 0;
        if (spec.LocalSteps <= 1)
        {
            using var rows = batches!.Next();
            AddLoss(step!.Gradients(batches.Inputs, batches.Targets, rows));
            used = (int)rows.shape[0];
            view.CopyGradientsTo(update);
        }
        else
        {
            for (var s = 0; s < spec.LocalSteps; s++)
            {
                using var rows = batches!.Next();
                AddLoss(step!.Run(batches.Inputs, batches.Targets, rows));
                used += (int)rows.shape[0];
            }

            // update = θ_start − θ_end: the shards move against it
            view.CopyTo(update);
            for (var i = 0; i < update!.Length; i++)
            {
                update[i] = current[i] - update[i];
            }
        }

        samples += used;
        for (var i = 0; i < plan.Count; i++)
        {
            var payload = encoder.Encode(i, plan.Of((ReadOnlySpan<float>)update, i));
            bytesSent += payload.Length;
            aggregators.Tell(new Contribution(start.JobId, start.Region, i, versions[i], used, payload), Self);
            contributedFrom[i] = versions[i];
        }

        contributions++;
        busy.Stop();
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

        start.Coordinator.Tell(new TrainerProgress(start.JobId, node, start.Region, samples, lastLoss, contributions, bytesSent,
            busy.Elapsed.TotalSeconds, waiting.Elapsed.TotalSeconds, bytesPulled));
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

    private sealed record RetryPull(int Slice, int Round);
}
