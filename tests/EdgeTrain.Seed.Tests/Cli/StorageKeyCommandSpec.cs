using System.Text.Json;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Core.Security;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Tests;

namespace EdgeTrain.Seed.Tests.Cli;

/// <summary>
/// <c>edgetrain key create|id</c>, and <c>evaluate</c> and <c>train-local --init</c> with encrypted
/// checkpoint files (<c>--key</c>, or <c>edgetrain.storage.key-file</c> of a <c>--config</c> file).
/// </summary>
public sealed class StorageKeyCommandSpec : IDisposable
{
    private const int MlpParameters = 25_450; // 784 -> 32 -> 10

    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SeedCli.Run(args, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    private string Job()
    {
        var path = temp.File("job.conf");
        File.WriteAllText(path, $$"""
            job {
              name = key-cli
              model { type = mlp, hidden = [32] }
              data.path = "{{RepoPaths.Mnist.Replace("\\", "/", StringComparison.Ordinal)}}"
              optimizer { type = adam, learning-rate = 0.002 }
              batch-size = 64
              target-accuracy = 0.85
            }
            """);
        return path;
    }

    private string Checkpoint(StorageKey? key)
    {
        var path = temp.File(key is null ? "plain.ckpt" : $"{key.Id}.ckpt");
        CheckpointFile.Write(path, new CheckpointContents("j", 4, DateTime.UtcNow, null, [new CheckpointSlice(0, 3, new float[MlpParameters])]), key);
        return path;
    }

    [Fact]
    public void Key_create_writes_a_key_readable_by_its_owner_only_prints_its_id_and_never_overwrites()
    {
        var path = temp.File("keys/storage.key");

        var created = Run("key", "create", "--out", path);
        var id = Run("key", "id", "--key", path);
        var again = Run("key", "create", "--out", path);

        Assert.Equal(SeedCli.Success, created.Code);
        var key = StorageKey.Load(path);
        Assert.Contains($"wrote storage key {key.Id} to {path}", created.Out, StringComparison.Ordinal);
        Assert.Contains("edgetrain.storage.key-file = ", created.Out, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.Equal((SeedCli.Success, key.Id), (id.Code, id.Out.Trim()));
        Assert.Equal(SeedCli.BadInput, again.Code);
        Assert.Contains($"edgetrain: {path}: exists; a key file is never overwritten", again.Err, StringComparison.Ordinal);
        Assert.Equal(key.Id, StorageKey.Load(path).Id);
        Assert.Equal(SeedCli.BadInput, Run("key", "create").Code);
        Assert.Equal(SeedCli.BadInput, Run("key", "rotate").Code);
    }

    [Fact]
    public void Evaluate_with_a_wrong_key_exits_2_naming_the_file_and_both_keys()
    {
        var right = StorageKey.CreateFile(temp.File("right.key"));
        var wrongPath = temp.File("wrong.key");
        var wrong = StorageKey.CreateFile(wrongPath);
        var model = Checkpoint(right);

        var run = Run("evaluate", "--model", model, "--job", Job(), "--key", wrongPath);

        Assert.Equal(SeedCli.BadInput, run.Code);
        Assert.Contains($"edgetrain: {model}: key id: encrypted with another storage key: it needs key {right.Id}, the configured key is {wrong.Id} ({wrongPath})", run.Err, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public void Evaluate_and_train_local_say_when_a_file_needs_a_key_and_refuse_a_plain_one_with_a_key()
    {
        var keyPath = temp.File("a.key");
        var key = StorageKey.CreateFile(keyPath);
        var encrypted = Checkpoint(key);
        var plain = Checkpoint(null);
        var job = Job();

        var noKey = Run("evaluate", "--model", encrypted, "--job", job);
        var noKeyInit = Run("train-local", "--job", job, "--init", encrypted, "--epochs", "1", "--out", temp.File("run"));
        var plainWithKey = Run("evaluate", "--model", plain, "--job", job, "--key", keyPath);

        Assert.Equal(SeedCli.BadInput, noKey.Code);
        Assert.Contains($"{encrypted}: encryption: encrypted with storage key {key.Id}, and no storage key is configured: give its key file (--key FILE, or edgetrain.storage.key-file)", noKey.Err, StringComparison.Ordinal);
        Assert.Equal(SeedCli.BadInput, noKeyInit.Code);
        Assert.Contains($"{encrypted}: encryption: encrypted with storage key {key.Id}", noKeyInit.Err, StringComparison.Ordinal);
        Assert.Equal(SeedCli.BadInput, plainWithKey.Code);
        Assert.Contains($"{plain}: encryption: not encrypted, and a storage key is configured ({key.Id}", plainWithKey.Err, StringComparison.Ordinal);
        Assert.Contains("storage key file not found", Run("evaluate", "--model", encrypted, "--job", job, "--key", temp.File("none.key")).Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_reads_an_encrypted_checkpoint_with_the_key_of_key_or_of_a_config_file()
    {
        var keyPath = temp.File("a.key");
        var key = StorageKey.CreateFile(keyPath);
        var encrypted = Checkpoint(key);
        var job = Job();
        var config = temp.File("storage.conf");
        File.WriteAllText(config, $"edgetrain.storage.key-file = \"{keyPath.Replace("\\", "/", StringComparison.Ordinal)}\"\n");

        var withKey = Run("evaluate", "--model", encrypted, "--job", job, "--key", keyPath, "--json");
        var withConfig = Run("evaluate", "--model", encrypted, "--job", job, "--config", config, "--json");

        Assert.True(withKey.Code == SeedCli.Success, withKey.Err);
        Assert.True(withConfig.Code == SeedCli.Success, withConfig.Err);
        using var json = JsonDocument.Parse(withKey.Out.TrimEnd().Split('\n')[^1]);
        Assert.Equal(4, json.RootElement.GetProperty("checkpoint").GetInt64());
        Assert.Equal(MlpParameters, json.RootElement.GetProperty("parameters").GetInt32());
    }
}
