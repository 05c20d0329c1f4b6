using EdgeTrain.Core.Scheduling;
using EdgeTrain.Training.Local;

namespace EdgeTrain.Seed.Output;

/// <summary>One point of a training curve: after an epoch (single process) or an evaluation (cluster).</summary>
internal sealed record MetricRow(int Index, double ElapsedSeconds, long Samples, double Loss, double Accuracy, double SamplesPerSecond)
{
    /// <summary>A language model's validation bits per character (NaN for a classifier, whose curve is its accuracy).</summary>
    public double BitsPerCharacter { get; init; } = double.NaN;

    public static MetricRow From(EpochReport e) => new(e.Epoch, e.ElapsedSeconds, e.Samples, e.TrainLoss, e.TestAccuracy, e.SamplesPerSecond) { BitsPerCharacter = e.BitsPerCharacter };

    public static IReadOnlyList<MetricRow> From(IReadOnlyList<EvaluationPoint> curve) =>
        curve.Select((p, i) => new MetricRow(i + 1, p.Seconds, p.Samples, p.Loss, p.Accuracy, p.Seconds > 0 ? p.Samples / p.Seconds : 0) { BitsPerCharacter = p.BitsPerCharacter }).ToArray();
}
