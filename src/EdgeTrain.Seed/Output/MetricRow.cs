using EdgeTrain.Core.Scheduling;
using EdgeTrain.Training.Local;

namespace EdgeTrain.Seed.Output;

/// <summary>One point of a training curve: after an epoch (single process) or an evaluation (cluster).</summary>
internal sealed record MetricRow(int Index, double ElapsedSeconds, long Samples, double Loss, double Accuracy, double SamplesPerSecond)
{
    public static MetricRow From(EpochReport e) => new(e.Epoch, e.ElapsedSeconds, e.Samples, e.TrainLoss, e.TestAccuracy, e.SamplesPerSecond);

    public static IReadOnlyList<MetricRow> From(IReadOnlyList<EvaluationPoint> curve) =>
        curve.Select((p, i) => new MetricRow(i + 1, p.Seconds, p.Samples, p.Loss, p.Accuracy, p.Seconds > 0 ? p.Samples / p.Seconds : 0)).ToArray();
}
