using System.Globalization;

namespace EdgeTrain.Seed.Output;

/// <summary>Writes a training curve as CSV: one row per point, invariant culture, header first.</summary>
internal static class MetricsCsv
{
    /// <summary>The header after the first column's name.</summary>
    public const string Columns = "elapsed_seconds,samples,train_loss,test_accuracy,samples_per_second";

    /// <summary>Writes <paramref name="rows"/> to <paramref name="path"/>; <paramref name="indexName"/> names the first column (epoch, evaluation).</summary>
    public static void Write(string path, string indexName, IEnumerable<MetricRow> rows)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine($"{indexName},{Columns}");
        foreach (var r in rows)
        {
            writer.WriteLine(string.Join(',',
                r.Index.ToString(CultureInfo.InvariantCulture),
                r.ElapsedSeconds.ToString("0.###", CultureInfo.InvariantCulture),
                r.Samples.ToString(CultureInfo.InvariantCulture),
                r.Loss.ToString("0.######", CultureInfo.InvariantCulture),
                r.Accuracy.ToString("0.#####", CultureInfo.InvariantCulture),
                r.SamplesPerSecond.ToString("0.#", CultureInfo.InvariantCulture)));
        }
    }
}
