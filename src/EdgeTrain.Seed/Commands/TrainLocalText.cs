using System.Globalization;
using System.Text.Json;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Seed.Output;
using EdgeTrain.Training.Local;
using EdgeTrain.Training.Text;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// <c>train-local</c> of a language model job (<c>model.type = char-transformer</c>): one line per evaluation
/// (training loss, validation bits per character and perplexity), <c>metrics.csv</c> and <c>curves.png</c> of bits
/// per character, a sample of generated text at the end, and with <c>--json</c> the summary with <c>bitsPerChar</c>.
/// </summary>
internal static class TrainLocalText
{
    public static int Run(JobSpec spec, TorchSharp.torch.Device device, float[]? initial, bool json, string outDir, bool stopAtTarget, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        var corpus = TextCorpus.Load(spec.Data.Path);
        var t = spec.Model.Transformer!;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"train-local {spec.Name}: char-transformer ({t.Layers} layers, {t.Heads} heads, width {t.Width}, context {t.Context}) on {device.type.ToString().ToLowerInvariant()}, " +
            $"{corpus.Count} documents, 5 % of each held out, target {spec.TargetLoss:0.###} bits per character, evaluated every {spec.EvaluateEvery} steps, at most {spec.MaxEpochs} epochs / {spec.TimeLimit}"));
        var progress = new Progress(e => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  evaluation {e.Epoch,3}  loss {e.TrainLoss:0.0000}  {e.BitsPerCharacter:0.000} bits/char (perplexity {Math.Pow(2, e.BitsPerCharacter):0.00})  {e.SamplesPerSecond,8:N0} samples/s  {e.ElapsedSeconds,7:0.0} s")));
        var result = new LocalTextTrainer(spec, device, initial).Run(corpus, progress, cancellation, stopAtTarget);

        var csv = Path.Combine(outDir, "metrics.csv");
        var png = Path.Combine(outDir, "curves.png");
        var rows = result.Epochs.Select(MetricRow.From).ToArray();
        MetricsCsv.Write(csv, "evaluation", rows);
        if (rows.Length > 0)
        {
            CurvesChart.Write(png, $"{spec.Name} (single process)", rows);
        }

        output.WriteLine($"sample: {result.Sample}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.StopReason}: {result.BitsPerCharacter:0.000} bits per character after {result.Samples:N0} samples in {result.Seconds:0.0} s ({result.SamplesPerSecond:N0} samples/s); wrote {csv} and {png}"));
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                mode = "local",
                job = spec.Name,
                model = "char-transformer",
                parameters = result.Parameters,
                bitsPerChar = Math.Round(result.BitsPerCharacter, 4),
                perplexity = Math.Round(Math.Pow(2, result.BitsPerCharacter), 3),
                seconds = Math.Round(result.Seconds, 2),
                samples = result.Samples,
                samplesPerSecond = Math.Round(result.SamplesPerSecond, 1),
                stopReason = result.StopReason.ToString(),
                msPerStep = Math.Round(result.MillisecondsPerStep, 3),
                peakBytes = result.PeakBytes,
                sample = result.Sample,
            }));
        }

        if (result.StopReason == StopReason.Cancelled)
        {
            error.WriteLine("edgetrain: train-local cancelled");
            return SeedCli.Failure;
        }

        return SeedCli.Success;
    }

    // one line per evaluation, in order, now
    private sealed class Progress(Action<EpochReport> report) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => report(value);
    }
}
