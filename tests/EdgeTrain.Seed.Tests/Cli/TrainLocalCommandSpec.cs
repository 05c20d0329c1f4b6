using System.Text.Json;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Tests;

namespace EdgeTrain.Seed.Tests.Cli;

public sealed class TrainLocalCommandSpec : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private string Job(string dataPath, string modelType = "mlp", string extra = "")
    {
        var path = temp.File("job.conf");
        File.WriteAllText(path, $$"""
            job {
              name = cli-test
              model { type = {{modelType}}, hidden = [32] }
              data.path = "{{dataPath.Replace("\\", "/", StringComparison.Ordinal)}}"
              optimizer { type = adam, learning-rate = 0.002 }
              batch-size = 64
              max-epochs = 2
              target-accuracy = 0.5
              {{extra}}
            }
            """);
        return path;
    }

    private string CopyOfMnist()
    {
        var folder = Path.Combine(temp.Path, "mnist");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(RepoPaths.Mnist, "*.gz"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SeedCli.Run(args, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    private static void AssertBadInput((int Code, string Out, string Err) run, params string[] mentions)
    {
        Assert.Equal(SeedCli.BadInput, run.Code);
        var lines = run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        foreach (var text in mentions)
        {
            Assert.Contains(text, lines[0], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_language_model_trains_to_bits_per_character_and_writes_its_curve_and_a_sample()
    {
        var corpus = Path.Combine(temp.Path, "corpus");
        Directory.CreateDirectory(corpus);
        File.WriteAllLines(Path.Combine(corpus, "speeches.jsonl"), Enumerable.Range(0, 4).Select(i =>
            JsonSerializer.Serialize(new { year = 1790 + i, name = "n", party = "p", text = string.Concat(Enumerable.Repeat("the union is strong and the people are free. ", 60)) })));
        var path = temp.File("lm.conf");
        File.WriteAllText(path, $$"""
            job {
              name = lm-test
              model { type = char-transformer, layers = 1, heads = 2, width = 16, context = 16 }
              data { dataset = text-jsonl, path = "{{corpus.Replace("\\", "/", StringComparison.Ordinal)}}", partitioning = by-field, field = year }
              optimizer { type = adam, learning-rate = 0.01 }
              batch-size = 8
              max-epochs = 1
              target-loss = 0.01
              evaluate-every = 40
            }
            """);
        var outDir = temp.File("lm-run");

        var (code, output, _) = Run("train-local", "--job", path, "--json", "--out", outDir);

        Assert.Equal(SeedCli.Success, code);
        Assert.Contains("bits/char (perplexity", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        var root = json.RootElement;
        Assert.Equal("char-transformer", root.GetProperty("model").GetString());
        // it learned the repeated sentence: far below the 8 bits of a model that knows nothing
        Assert.InRange(root.GetProperty("bitsPerChar").GetDouble(), 0, 4);
        Assert.False(string.IsNullOrEmpty(root.GetProperty("sample").GetString()));
        Assert.StartsWith("evaluation,elapsed_seconds,samples,train_loss,bits_per_char,", File.ReadLines(Path.Combine(outDir, "metrics.csv")).First(), StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(outDir, "curves.png")).Length > 1000);
    }

    [Fact]
    public void Trains_and_ends_with_one_json_line_and_writes_csv_and_png()
    {
        var outDir = temp.File("run");

        var (code, output, _) = Run("train-local", "--job", Job(RepoPaths.Mnist), "--json", "--out", outDir);

        Assert.Equal(SeedCli.Success, code);
        var lines = output.TrimEnd().Split('\n');
        Assert.Contains("epoch   1", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(lines[^1]);
        var root = json.RootElement;
        Assert.Equal("local", root.GetProperty("mode").GetString());
        Assert.Equal("mlp", root.GetProperty("model").GetString());
        Assert.Equal((784 * 32) + 32 + (32 * 10) + 10, root.GetProperty("parameters").GetInt32());
        Assert.True(root.GetProperty("accuracy").GetDouble() >= 0.5);
        Assert.True(root.GetProperty("seconds").GetDouble() > 0);
        Assert.Equal(0, root.GetProperty("samples").GetInt64() % 8_004);
        Assert.True(root.GetProperty("samplesPerSecond").GetDouble() > 0);

        var csv = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        Assert.StartsWith("epoch,elapsed_seconds", csv[0], StringComparison.Ordinal);
        Assert.True(csv.Length >= 2);
        var png = File.ReadAllBytes(Path.Combine(outDir, "curves.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public void Epochs_trains_past_the_target_for_exactly_that_many_epochs()
    {
        var (code, output, _) = Run("train-local", "--job", Job(RepoPaths.Mnist), "--json", "--epochs", "3", "--out", temp.File("run"));

        Assert.Equal(SeedCli.Success, code);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        Assert.Equal(3 * 8_004, json.RootElement.GetProperty("samples").GetInt64());
        Assert.Equal("MaxEpochs", json.RootElement.GetProperty("stopReason").GetString());
        Assert.Equal(4, File.ReadAllLines(Path.Combine(temp.File("run"), "metrics.csv")).Length);
    }

    [Fact]
    public void A_missing_data_folder_exits_2_naming_the_folder()
    {
        var missing = temp.File("nowhere");

        AssertBadInput(Run("train-local", "--job", Job(missing)), missing, "data.path", "folder not found");
    }

    [Fact]
    public void A_wrong_magic_number_exits_2_naming_the_file()
    {
        var data = CopyOfMnist();
        var labels = Path.Combine(data, "train-labels-idx1-ubyte.gz");
        File.Copy(Path.Combine(data, "train-images-idx3-ubyte.gz"), labels, overwrite: true);

        AssertBadInput(Run("train-local", "--job", Job(data)), labels, "magic number", "expected 0x00000801", "found 0x00000803");
    }

    [Fact]
    public void A_truncated_file_exits_2_naming_the_file()
    {
        var data = CopyOfMnist();
        var images = Path.Combine(data, "t10k-images-idx3-ubyte");
        File.Delete(images + ".gz");
        var idx = new byte[16 + 100];
        idx[2] = 0x08;
        idx[3] = 3;
        idx[7] = 10;
        idx[11] = 28;
        idx[15] = 28;
        File.WriteAllBytes(images, idx);

        AssertBadInput(Run("train-local", "--job", Job(data)), images, "data", "truncated", "7840 bytes");
    }

    [Fact]
    public void An_unknown_model_type_exits_2_naming_the_key()
    {
        var job = Job(RepoPaths.Mnist, modelType: "resnet");

        AssertBadInput(Run("train-local", "--job", job), job, "job.model.type", "expected one of mlp, cnn", "'resnet'");
    }

    [Fact]
    public void A_missing_key_exits_2_naming_the_key()
    {
        var job = Job(RepoPaths.Mnist);
        File.WriteAllText(job, File.ReadAllText(job).Replace("batch-size = 64", "", StringComparison.Ordinal));

        AssertBadInput(Run("train-local", "--job", job), job, "job.batch-size", "missing");
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        AssertBadInput(Run("train-local"), "--job", "missing");
        AssertBadInput(Run("train-local", "--job", Job(RepoPaths.Mnist), "--fast"), "--fast", "unknown option");
        AssertBadInput(Run("train-local", "--job", Job(RepoPaths.Mnist), "--device", "tpu"), "--device", "tpu");
        AssertBadInput(Run("train-local", "--job", Job(RepoPaths.Mnist), "--epochs", "0"), "--epochs", "from 1 to 100000, found '0'");
        AssertBadInput(Run("fly"), "unknown command 'fly'");
        Assert.Equal(SeedCli.BadInput, Run().Code);
    }
}
