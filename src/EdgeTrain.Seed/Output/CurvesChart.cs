using ScottPlot;

namespace EdgeTrain.Seed.Output;

/// <summary>Draws training loss (left axis) and test accuracy or, for a language model, validation bits per character (right axis) against elapsed seconds as a PNG.</summary>
internal static class CurvesChart
{
    /// <summary>Writes the chart of <paramref name="rows"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, string title, IReadOnlyList<MetricRow> rows)
    {
        var seconds = rows.Select(r => r.ElapsedSeconds).ToArray();
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("seconds");

        var losses = rows.Select(r => double.IsFinite(r.Loss) ? r.Loss : double.NaN).ToArray();
        var loss = plot.Add.Scatter(seconds, losses);
        loss.LegendText = "training loss";
        plot.Axes.Left.Label.Text = "training loss";

        // a language model's curve is its validation bits per character; a classifier's its test accuracy
        var language = rows.Any(r => !double.IsNaN(r.BitsPerCharacter));
        var name = language ? "validation bits per character" : "test accuracy (%)";
        var accuracy = plot.Add.Scatter(seconds, rows.Select(r => language ? r.BitsPerCharacter : r.Accuracy * 100).ToArray());
        accuracy.LegendText = name;
        accuracy.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = name;

        plot.ShowLegend(Alignment.MiddleRight);
        plot.SavePng(path, 900, 540);
    }
}
