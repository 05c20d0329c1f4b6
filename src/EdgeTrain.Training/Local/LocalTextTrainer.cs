using System.Diagnostics;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Memory;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;
using EdgeTrain.Training.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Local;

/// <summary>
/// The single-process baseline of a language model job: trains the char-transformer on the training text of every
/// document (each document's last 5 % held out), evaluates bits per character on the held-out text every
/// <c>evaluate-every</c> steps, and stops at the target loss, after <c>max-epochs</c> passes over the training text
/// (in steps of batch × context bytes) or at the time limit. A sample is one window of context bytes.
/// </summary>
public sealed class LocalTextTrainer
{
    private readonly JobSpec spec;
    private readonly Device device;
    private readonly float[]? initialParameters;

    /// <summary>A trainer for <paramref name="spec"/> on <paramref name="device"/>, from <paramref name="initialParameters"/> when given.</summary>
    public LocalTextTrainer(JobSpec spec, Device device, float[]? initialParameters = null)
    {
        this.spec = spec ?? throw new ArgumentNullException(nameof(spec));
        this.device = device ?? throw new ArgumentNullException(nameof(device));
        this.initialParameters = initialParameters;
        if (spec.Model.Transformer is null)
        {
            throw new ArgumentException($"job {spec.Name} trains no language model", nameof(spec));
        }
    }

    /// <summary>Trains on <paramref name="corpus"/>; with <paramref name="stopAtTarget"/> false it runs every epoch (a throughput measurement).</summary>
    public LocalTrainingResult Run(IReadOnlyList<TextDocument> corpus, IProgress<EpochReport>? progress = null, CancellationToken cancellation = default, bool stopAtTarget = true)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var wall = Stopwatch.StartNew();
        var context = spec.Model.Transformer!.Context;
        var text = TextSplit.Of(corpus, Enumerable.Range(0, corpus.Count));
        using var model = ModelFactory.Create(spec.Model, spec.Seed);
        if (initialParameters is not null)
        {
            new FlatParameterView(model).CopyFrom(initialParameters);
        }

        model.to(device);
        using var optimizer = OptimizerFactory.Create(spec.Optimizer, model);
        var step = new LanguageModelStep(model, optimizer);
        using var batches = new TextBatches(text.Training, context, spec.BatchSize, spec.Seed, device);
        var stepsPerEpoch = Math.Max(1L, text.Training.Length / ((long)spec.BatchSize * context));
        var maxSteps = stepsPerEpoch * spec.MaxEpochs;
        var every = Math.Max(1, spec.EvaluateEvery);

        var reports = new List<EpochReport>();
        var trainTime = new Stopwatch();
        var baseline = PeakMemory.Bytes();
        PeakMemory.Reset();
        long steps = 0;
        double lossSum = 0;
        var lossCount = 0;
        var bits = double.NaN;
        var reason = StopReason.MaxEpochs;
        while (steps < maxSteps && reason == StopReason.MaxEpochs)
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

            trainTime.Start();
            var (inputs, targets) = batches.Next();
            using (inputs)
            using (targets)
            {
                lossSum += step.Run(inputs, targets);
            }

            trainTime.Stop();
            lossCount++;
            steps++;
            if (steps % every == 0 || steps == maxSteps)
            {
                bits = TextEvaluator.BitsPerCharacter(model, text.HeldOut, context, device, TextEvaluator.ValidationBytes);
                var report = new EpochReport(reports.Count + 1, lossSum / lossCount, double.NaN, steps * spec.BatchSize, trainTime.Elapsed.TotalSeconds, wall.Elapsed.TotalSeconds)
                {
                    BitsPerCharacter = bits,
                };
                reports.Add(report);
                progress?.Report(report);
                (lossSum, lossCount) = (0, 0);
                if (stopAtTarget && bits <= spec.TargetLoss)
                {
                    reason = StopReason.TargetReached;
                }
            }
        }

        var seconds = trainTime.Elapsed.TotalSeconds;
        var samples = steps * spec.BatchSize;
        return new LocalTrainingResult(spec.Model.Kind, new FlatParameterView(model).TotalFloats, double.NaN, wall.Elapsed.TotalSeconds, samples,
            seconds > 0 ? samples / seconds : 0, reason, reports)
        {
            PeakBytes = PeakMemory.Bytes(),
            StartBytes = baseline,
            MillisecondsPerStep = steps > 0 ? seconds * 1000 / steps : 0,
            BitsPerCharacter = bits,
            Sample = TextGenerator.Continue(model, TextGenerator.Opening, 160, context, 0.8, spec.Seed, device),
        };
    }
}
