using System.Globalization;
using EdgeTrain.Training.Local;

namespace EdgeTrain.Seed.Output;

/// <summary>Writes training progress as CSV: one row per evaluation, invariant culture, header first.</summary>
internal static class MetricsCsv
{
    /// <summary>The header row.</summary>
    public const string Header = "epoch,elapsed_seconds,train_seconds,samples,train_loss,test_accuracy,samples_per_second";

    /// <summary>Writes <paramref name="epochs"/> to <paramref name="path"/>, replacing the file.</summary>
    public static void Write(string path, IEnumerable<EpochReport> epochs)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine(Header);
        foreach (var e in epochs)
        {
            writer.WriteLine(string.Join(',',
                e.Epoch.ToString(CultureInfo.InvariantCulture),
                e.ElapsedSeconds.ToString("0.###", CultureInfo.InvariantCulture),
                e.TrainSeconds.ToString("0.###", CultureInfo.InvariantCulture),
                e.Samples.ToString(CultureInfo.InvariantCulture),
                e.TrainLoss.ToString("0.######", CultureInfo.InvariantCulture),
                e.TestAccuracy.ToString("0.#####", CultureInfo.InvariantCulture),
                e.SamplesPerSecond.ToString("0.#", CultureInfo.InvariantCulture)));
        }
    }
}
