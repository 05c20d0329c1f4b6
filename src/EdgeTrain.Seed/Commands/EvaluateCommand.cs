using System.Globalization;
using System.Text.Json;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Training.Data;
using EdgeTrain.Training.Local;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// <c>edgetrain evaluate --model FILE --job JOB.conf [--json] [--key FILE] [--config F]</c>: loads a
/// checkpoint file (<c>edgetrain checkpoint export</c>) into the job's model and scores it on the job's
/// test set; prints the accuracy, and with <c>--json</c> a last line of JSON. An encrypted file is read
/// with the storage key of <c>--key</c> (or <c>edgetrain.storage.key-file</c>, <see cref="StorageKeyOption"/>).
/// Exit 2 when the file is damaged, does not fit the job's model, needs a key that was not given, or
/// was encrypted with another key, naming the file.
/// </summary>
internal static class EvaluateCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var line = CommandLine.Parse(args, ["--model", "--job", .. StorageKeyOption.Options], ["--json"]);
        line.AllowPositionals(0, $"evaluate --model FILE --job JOB.conf [--json] {StorageKeyOption.Usage}");
        var modelPath = line.Option("--model") ?? throw new InvalidInputException("command line", "--model", "missing; expected a checkpoint file (edgetrain checkpoint export)");
        var jobPath = line.Option("--job") ?? throw new InvalidInputException("command line", "--job", "missing; expected the path of the job file the model was trained with");
        var key = StorageKeyOption.Resolve(line);
        var spec = JobSpecReader.Load(jobPath);
        var (checkpoint, parameters) = ModelCheckpoint.Load(modelPath, spec, key);
        if (spec.Data.Dataset == Core.Jobs.DataSpec.TextJsonl)
        {
            return Language(spec, modelPath, checkpoint, parameters, line.Flag("--json"), output);
        }

        var test = MnistLoader.LoadTest(spec.Data.Path);
        using var model = ModelFactory.Create(spec.Model, spec.Seed);
        new FlatParameterView(model).CopyFrom(parameters);
        var accuracy = Evaluator.Accuracy(model, test, TorchSharp.torch.CPU);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{modelPath}: checkpoint {checkpoint.Id} of {checkpoint.JobId}{(checkpoint.Label is null ? "" : $" ({checkpoint.Label})")}, {parameters.Length:N0} parameters: accuracy {accuracy:P2} on {test.Count:N0} test images of {spec.Name}"));
        if (line.Flag("--json"))
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                model = modelPath,
                job = spec.Name,
                checkpointJob = checkpoint.JobId,
                checkpoint = checkpoint.Id,
                label = checkpoint.Label,
                parameters = parameters.Length,
                testImages = test.Count,
                accuracy = Math.Round(accuracy, 5),
            }));
        }

        return SeedCli.Success;
    }

    // a language model: bits per character on the held-out tail of every document
    private static int Language(Core.Jobs.JobSpec spec, string modelPath, Core.Parameters.CheckpointContents checkpoint, float[] parameters, bool json, TextWriter output)
    {
        var corpus = Training.Text.TextCorpus.Load(spec.Data.Path);
        var heldOut = Training.Text.TextSplit.Of(corpus, Enumerable.Range(0, corpus.Count)).HeldOut;
        using var model = ModelFactory.Create(spec.Model, spec.Seed);
        new FlatParameterView(model).CopyFrom(parameters);
        var bits = Training.Text.TextEvaluator.BitsPerCharacter(model, heldOut, spec.Model.Transformer!.Context, TorchSharp.torch.CPU, maxBytes: 262_144);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{modelPath}: checkpoint {checkpoint.Id} of {checkpoint.JobId}{(checkpoint.Label is null ? "" : $" ({checkpoint.Label})")}, {parameters.Length:N0} parameters: {bits:0.000} bits per character (perplexity {Math.Pow(2, bits):0.00}) on the held-out text of {corpus.Count} documents of {spec.Name}"));
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                model = modelPath,
                job = spec.Name,
                checkpointJob = checkpoint.JobId,
                checkpoint = checkpoint.Id,
                label = checkpoint.Label,
                parameters = parameters.Length,
                bitsPerChar = Math.Round(bits, 4),
            }));
        }

        return SeedCli.Success;
    }
}
