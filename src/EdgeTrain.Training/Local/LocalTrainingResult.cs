using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Training.Local;

/// <summary>Outcome of a single-process training run.</summary>
/// <param name="Model">Model family trained.</param>
/// <param name="Parameters">Number of trainable parameters.</param>
/// <param name="Accuracy">Final test accuracy.</param>
/// <param name="Seconds">Wall-clock seconds of the run, evaluation included.</param>
/// <param name="Samples">Training samples processed.</param>
/// <param name="SamplesPerSecond">Samples per second of training time (evaluation excluded).</param>
/// <param name="StopReason">Why training ended.</param>
/// <param name="Epochs">Progress after each epoch.</param>
public sealed record LocalTrainingResult(
    ModelKind Model,
    int Parameters,
    double Accuracy,
    double Seconds,
    long Samples,
    double SamplesPerSecond,
    StopReason StopReason,
    IReadOnlyList<EpochReport> Epochs)
{
    /// <summary>The process's peak resident bytes during training (<see cref="Memory.PeakMemory"/>; the high-water mark is reset as training starts where the system allows).</summary>
    public long PeakBytes { get; init; }

    /// <summary>The process's resident high-water mark before training (data and model loaded).</summary>
    public long StartBytes { get; init; }

    /// <summary>Mean milliseconds of training time per optimizer step.</summary>
    public double MillisecondsPerStep { get; init; }

    /// <summary>Whether activations were recomputed (<c>memory.recompute</c>).</summary>
    public bool Recompute { get; init; }

    /// <summary>A language model's final validation bits per character (NaN for a classifier).</summary>
    public double BitsPerCharacter { get; init; } = double.NaN;

    /// <summary>A language model's text from its final state, after a fixed prompt (null for a classifier).</summary>
    public string? Sample { get; init; }

    /// <summary>With DP-SGD, what the run spent (null: no differential privacy).</summary>
    public Core.Privacy.PrivacyStatus? Privacy { get; init; }

    /// <summary>True when the run stopped because it reached the job's target accuracy.</summary>
    public bool TargetReached => StopReason == StopReason.TargetReached;
}

/// <summary>Why a training run ended.</summary>
public enum StopReason
{
    /// <summary>Test accuracy reached the job's target.</summary>
    TargetReached,

    /// <summary>The job's maximum number of epochs was done.</summary>
    MaxEpochs,

    /// <summary>The job's time limit ran out.</summary>
    TimeLimit,

    /// <summary>The caller cancelled (Ctrl-C).</summary>
    Cancelled,

    /// <summary>One more DP-SGD step would have taken ε past the job's <c>privacy.target-epsilon</c>.</summary>
    PrivacyBudget,
}
