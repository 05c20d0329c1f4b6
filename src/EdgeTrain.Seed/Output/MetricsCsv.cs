using System.Globalization;

namespace EdgeTrain.Seed.Output;

/// <summary>Writes a training curve as CSV: one row per point, invariant culture, header first.</summary>
internal static class MetricsCsv
{
    /// <summary>The header after the first column's name.</summary>
    public const string Columns = "elapsed_seconds,samples,train_loss,test_accuracy,samples_per_second";

    /// <summary>The header of a language model's curve: validation bits per character in place of accuracy.</summary>
    public const string LanguageColumns = "elapsed_seconds,samples,train_loss,bits_per_char,samples_per_second";

    /// <summary>
    /// Writes <paramref name="rows"/> to <paramref name="path"/>; <paramref name="indexName"/> names the first column (epoch,
    /// evaluation). Rows with bits per character (a language model's) write them in place of accuracy.
    /// </summary>
    public static void Write(string path, string indexName, IEnumerable<MetricRow> rows)
    {
        var all = rows.ToList();
        var language = all.Any(r => !double.IsNaN(r.BitsPerCharacter));
        using var writer = new StreamWriter(path);
        writer.WriteLine($"{indexName},{(language ? LanguageColumns : Columns)}");
        foreach (var r in all)
        {
            writer.WriteLine(string.Join(',',
                r.Index.ToString(CultureInfo.InvariantCulture),
                r.ElapsedSeconds.ToString("0.###", CultureInfo.InvariantCulture),
                r.Samples.ToString(CultureInfo.InvariantCulture),
                r.Loss.ToString("0.######", CultureInfo.InvariantCulture),
                (language ? r.BitsPerCharacter : r.Accuracy).ToString("0.#####", CultureInfo.InvariantCulture),
                r.SamplesPerSecond.ToString("0.#", CultureInfo.InvariantCulture)));
        }
    }
}
