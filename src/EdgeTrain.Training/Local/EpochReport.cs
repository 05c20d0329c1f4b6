namespace EdgeTrain.Training.Local;

/// <summary>Progress after one pass over the training data.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches.</param>
/// <param name="TestAccuracy">Accuracy on the test set after the epoch.</param>
/// <param name="Samples">Training samples processed so far.</param>
/// <param name="TrainSeconds">Seconds spent in training steps so far (evaluation excluded).</param>
/// <param name="ElapsedSeconds">Wall-clock seconds since training started (evaluation included).</param>
public sealed record EpochReport(int Epoch, double TrainLoss, double TestAccuracy, long Samples, double TrainSeconds, double ElapsedSeconds)
{
    /// <summary>A language model's validation bits per character after this evaluation (NaN for a classifier).</summary>
    public double BitsPerCharacter { get; init; } = double.NaN;

    /// <summary>Training throughput so far: samples per second of training time.</summary>
    public double SamplesPerSecond => TrainSeconds > 0 ? Samples / TrainSeconds : 0;
}
