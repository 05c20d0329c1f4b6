using System.Diagnostics;
using EdgeTrain.Core;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Privacy;
using EdgeTrain.Training.Data;
using EdgeTrain.Training.Memory;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;
using EdgeTrain.Training.Privacy;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Local;

/// <summary>
/// The single-process baseline: trains a job's model on the whole training set in one process,
/// evaluates after every epoch and stops at the target accuracy, the epoch limit or the time
/// limit. Every distributed run is compared against its accuracy and samples per second.
/// </summary>
public sealed class LocalTrainer
{
    private readonly JobSpec spec;
    private readonly Device device;
    private readonly float[]? initialParameters;

    /// <summary>Creates a trainer for <paramref name="spec"/> on <paramref name="device"/> (see <see cref="TorchDevice"/>).</summary>
    public LocalTrainer(JobSpec spec, Device device)
        : this(spec, device, null)
    {
    }

    /// <summary>
    /// Creates a trainer that starts from <paramref name="initialParameters"/> (the model's flat
    /// parameter vector, as <see cref="ModelCheckpoint.Load"/> reads it) instead of the seeded
    /// initialisation; null starts from the initialisation.
    /// </summary>
    /// <exception cref="ArgumentException">the vector's length is not the model's parameter count (checked by <see cref="Run"/>).</exception>
    public LocalTrainer(JobSpec spec, Device device, float[]? initialParameters)
    {
        this.spec = spec ?? throw new ArgumentNullException(nameof(spec));
        this.device = device ?? throw new ArgumentNullException(nameof(device));
        this.initialParameters = initialParameters;
    }

    /// <summary>
    /// Trains on <paramref name="train"/>, scoring on <paramref name="test"/> after each epoch. With
    /// <paramref name="stopAtTarget"/> false it trains all of the job's epochs (a throughput measurement).
    /// </summary>
    public LocalTrainingResult Run(
        MnistSet train, MnistSet test, IProgress<EpochReport>? progress = null, CancellationToken cancellation = default, bool stopAtTarget = true)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (spec.Privacy is { Mode: PrivacyMode.Client })
        {
            throw new InvalidInputException(spec.Name, "privacy.mode", "client-level DP protects one trainer's update among a round's; one process is one trainer with nothing to hide it among. Train it on a cluster (edgetrain demo), or use privacy.mode = example");
        }

        var wall = Stopwatch.StartNew();
        using var model = ModelFactory.Create(spec.Model, spec.Seed);
        if (initialParameters is not null)
        {
            new FlatParameterView(model).CopyFrom(initialParameters);
        }

        model.to(device);
        using var optimizer = OptimizerFactory.Create(spec.Optimizer, model);
        var privacy = spec.Privacy is { Mode: PrivacyMode.Example } p ? p : null;
        var step = new TrainingStep(model, optimizer, privacy is null ? null : new DpSgdGradients((MlpModel)model, privacy.Clip, privacy.NoiseMultiplier), spec.Recompute);
        var spent = RdpAccountant.Empty;
        var samplingRate = Math.Min(1.0, (double)spec.BatchSize / Math.Max(1, train.Count));
        var parameterCount = new FlatParameterView(model).TotalFloats;

        using var inputs = tensor(train.Images, [train.Count, MnistSet.Pixels]).to(device);
        using var targets = tensor(train.Labels, ScalarType.Int64).to(device);
        using var shuffle = new Generator((ulong)spec.Seed);

        var epochs = new List<EpochReport>();
        var trainTime = new Stopwatch();
        long steps = 0;
        var baseline = PeakMemory.Bytes();
        PeakMemory.Reset(); // from here: the training loop's high-water mark
        long samples = 0;
        var accuracy = 0.0;
        var reason = StopReason.MaxEpochs;
        for (var epoch = 1; epoch <= spec.MaxEpochs && reason == StopReason.MaxEpochs; epoch++)
        {
            using var order = randperm(train.Count, generator: shuffle).to(device);
            double lossSum = 0;
            var batches = 0;
            trainTime.Start();
            for (var start = 0; start < train.Count; start += spec.BatchSize)
            {
                if (cancellation.IsCancellationRequested)
                {
                    reason = StopReason.Cancelled;
                    break;
                }

                if (wall.Elapsed >= spec.TimeLimit)
                {
                    reason = StopReason.TimeLimit;
                    break;
                }

                if (privacy is { TargetEpsilon: > 0 } && spent.Step(samplingRate, privacy.NoiseMultiplier).Epsilon(privacy.Delta).Epsilon > privacy.TargetEpsilon)
                {
                    reason = StopReason.PrivacyBudget;
                    break;
                }

                var count = Math.Min(spec.BatchSize, train.Count - start);
                using var rows = order.narrow(0, start, count);
                lossSum += step.Run(inputs, targets, rows);
                steps++;
                if (privacy is not null)
                {
                    spent = spent.Step(samplingRate, privacy.NoiseMultiplier);
                }

                batches++;
                samples += count;
            }

            trainTime.Stop();
            accuracy = Evaluator.Accuracy(model, test, device);
            var report = new EpochReport(epoch, batches > 0 ? lossSum / batches : double.NaN, accuracy, samples,
                trainTime.Elapsed.TotalSeconds, wall.Elapsed.TotalSeconds);
            epochs.Add(report);
            progress?.Report(report);
            if (stopAtTarget && reason == StopReason.MaxEpochs && accuracy >= spec.TargetAccuracy)
            {
                reason = StopReason.TargetReached;
            }
        }

        var seconds = trainTime.Elapsed.TotalSeconds;
        return new LocalTrainingResult(spec.Model.Kind, parameterCount, accuracy, wall.Elapsed.TotalSeconds, samples,
            seconds > 0 ? samples / seconds : 0, reason, epochs)
        {
            Privacy = privacy is null ? null : new PrivacyStatus(spent.Epsilon(privacy.Delta).Epsilon, privacy.Delta, privacy.TargetEpsilon, spent.Steps),
            PeakBytes = PeakMemory.Bytes(),
            StartBytes = baseline,
            MillisecondsPerStep = steps > 0 ? seconds * 1000 / steps : 0,
            Recompute = step.Recomputes,
        };
    }
}
