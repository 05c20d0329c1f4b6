using System.Globalization;
using System.Text.Json;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Seed.Output;
using EdgeTrain.Training;
using EdgeTrain.Training.Data;
using EdgeTrain.Training.Local;
using EdgeTrain.Training.Parameters;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// <c>edgetrain train-local --job JOB.conf [--json] [--out DIR] [--device D] [--epochs N] [--init FILE]</c>: the
/// single-process baseline. Prints one progress line per epoch; writes <c>metrics.csv</c> and
/// <c>curves.png</c>; with <c>--json</c> the last line of standard output is the run's summary as
/// JSON. <c>--epochs N</c> trains exactly N epochs, past the target (to measure throughput).
/// <c>--init FILE</c> starts from a checkpoint file (<c>edgetrain checkpoint export</c>) instead of
/// the job's seeded initialisation; an encrypted one is read with the storage key of <c>--key FILE</c>
/// (or <c>edgetrain.storage.key-file</c> of <c>--config F</c> or <c>hocon/edgetrain.conf</c>).
/// </summary>
internal static class TrainLocalCommand
{
    private static readonly string[] Valued = ["--job", "--out", "--device", "--epochs", "--init", .. StorageKeyOption.Options];
    private static readonly string[] Switches = ["--json"];

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        var line = CommandLine.Parse(args, Valued, Switches);
        line.AllowPositionals(0, "train-local --job JOB.conf [--json]");

        var jobPath = line.Option("--job") ?? throw new InvalidInputException("command line", "--job", "missing; expected the path of a job file (hocon/jobs/*.conf)");
        var spec = JobSpecReader.Load(jobPath);
        var epochs = line.Option("--epochs") is null ? (int?)null : line.Int("--epochs", 0, 1, 100_000);
        if (epochs is { } count)
        {
            spec = spec with { MaxEpochs = count };
        }

        var init = line.Option("--init") is { } initPath ? ModelCheckpoint.Load(initPath, spec, StorageKeyOption.Resolve(line)) : default;
        TorchSharp.torch.Device device;
        try
        {
            device = TorchDevice.Select(line.Option("--device"));
        }
        catch (ArgumentException e)
        {
            throw new InvalidInputException("command line", "--device", e.Message, e);
        }

        var outDir = line.Option("--out") ?? Path.Combine("runs", $"local-{spec.Name}");
        Directory.CreateDirectory(outDir);
        if (spec.Data.Dataset == Core.Jobs.DataSpec.TextJsonl)
        {
            return TrainLocalText.Run(spec, device, init.Parameters, line.Flag("--json"), outDir, epochs is null, output, error, cancellation);
        }

        var train = MnistLoader.LoadTrain(spec.Data.Path);
        var test = MnistLoader.LoadTest(spec.Data.Path);

        output.WriteLine($"train-local {spec.Name}: {spec.Model.Kind.ToString().ToLowerInvariant()} on {device.type.ToString().ToLowerInvariant()}, " +
            $"{train.Count} training and {test.Count} test images, target {spec.TargetAccuracy:P1}, at most {spec.MaxEpochs} epochs / {spec.TimeLimit}" +
            (init.Checkpoint is { } from ? $", starting from checkpoint {from.Id} of {from.JobId} ({line.Option("--init")})" : ""));
        var progress = new SynchronousProgress<EpochReport>(e => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  epoch {e.Epoch,3}  loss {e.TrainLoss:0.0000}  accuracy {e.TestAccuracy:P2}  {e.SamplesPerSecond,8:N0} samples/s  {e.ElapsedSeconds,7:0.0} s")));
        var result = new LocalTrainer(spec, device, init.Parameters).Run(train, test, progress, cancellation, stopAtTarget: epochs is null);

        var csv = Path.Combine(outDir, "metrics.csv");
        var png = Path.Combine(outDir, "curves.png");
        var rows = result.Epochs.Select(MetricRow.From).ToArray();
        MetricsCsv.Write(csv, "epoch", rows);
        if (rows.Length > 0)
        {
            CurvesChart.Write(png, $"{spec.Name} (single process)", rows);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.StopReason}: accuracy {result.Accuracy:P2} after {result.Samples:N0} samples in {result.Seconds:0.0} s ({result.SamplesPerSecond:N0} samples/s){(result.Privacy is { } spent ? "; privacy " + spent.Describe() : "")}; wrote {csv} and {png}"));
        if (line.Flag("--json"))
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                mode = "local",
                job = spec.Name,
                model = spec.Model.Kind.ToString().ToLowerInvariant(),
                parameters = result.Parameters,
                accuracy = Math.Round(result.Accuracy, 5),
                seconds = Math.Round(result.Seconds, 2),
                samples = result.Samples,
                samplesPerSecond = Math.Round(result.SamplesPerSecond, 1),
                stopReason = result.StopReason.ToString(),
                privacy = result.Privacy is { } privacy ? new { epsilon = Math.Round(privacy.Epsilon, 4), delta = privacy.Delta, targetEpsilon = privacy.TargetEpsilon, steps = privacy.Steps } : null,
                recompute = result.Recompute,
                msPerStep = Math.Round(result.MillisecondsPerStep, 3),
                peakBytes = result.PeakBytes,
                startBytes = result.StartBytes,
            }));
        }

        if (result.StopReason == StopReason.Cancelled)
        {
            error.WriteLine("edgetrain: train-local cancelled");
            return SeedCli.Failure;
        }

        return SeedCli.Success;
    }

    // Progress<T> posts to the thread pool; the console wants the lines in order, now.
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
