using System.Globalization;
using EdgeTrain.Tests;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// A job that cannot start says why wherever a person looks. The test arranges the reason: the
/// job's training images are not an IDX image file (its labels file under the images' name), so
/// no trainer node can load its partition, while the seed's test set is fine.
/// </summary>
public sealed class JobFailureSpec : IDisposable
{
    private const string Token = "failure-token";
    private static readonly string CmdProgram = Path.Combine("cmd-client", "edgetrain-cmd");
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    // the shipped MNIST folder with its training images replaced by its training labels
    private string BrokenData()
    {
        var folder = Directory.CreateDirectory(temp.File("broken-mnist")).FullName;
        foreach (var file in Directory.GetFiles(RepoPaths.Mnist))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        File.Copy(Path.Combine(RepoPaths.Mnist, "train-labels-idx1-ubyte.gz"), Path.Combine(folder, "train-images-idx3-ubyte.gz"), overwrite: true);
        return folder;
    }

    private static void AssertNamesTheBrokenFile(string? reason, string context)
    {
        Assert.False(reason is null, context);
        Assert.Contains("no trainer could train it", reason, StringComparison.Ordinal);
        Assert.Contains("train-images-idx3-ubyte.gz: magic number", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_demo_of_a_job_whose_data_no_trainer_can_load_ends_failed_with_the_reason_on_its_last_screen_and_json_line()
    {
        var job = TestCluster.SmallJob(temp.Path, "broken-data", 0.9, dataPath: BrokenData());

        using var demo = await ProgramProcess.RunAsync("edgetrain",
            ["demo", "--nodes", "2", "--job", job, "--json", "--out", temp.File("run"), "--cmd-port", "0"], TimeSpan.FromMinutes(4));

        Assert.True(demo.ExitCode == 1, $"exit {demo.ExitCode}\n{demo.Output}\n{demo.Error}");
        var json = TestCluster.LastJson(demo.Output);
        Assert.Equal("Failed", json.GetProperty("state").GetString());
        AssertNamesTheBrokenFile(json.GetProperty("reason").GetString(), demo.Output);
        Assert.Contains("broken-data-1 Failed: no trainer could train it", demo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_wait_status_the_seed_console_and_job_show_all_say_why_the_job_failed()
    {
        var port = TestCluster.FreePort();
        var seedAddress = $"127.0.0.1:{port}";
        var cmdPort = TestCluster.FreePort().ToString(CultureInfo.InvariantCulture);
        using var seed = ProgramProcess.Start("edgetrain", ["seed", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", temp.Path, "--cmd-port", cmdPort],
            new Dictionary<string, string> { ["EDGETRAIN_CMD_TOKEN"] = Token });
        await seed.WaitForOutputAsync("edgetrain seed", Start);
        using var nodeA = ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.Path, "--cmd-port", "0"]);
        using var nodeB = ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.Path, "--cmd-port", "0"]);
        await nodeA.WaitForOutputAsync("registered with the coordinator", Start);
        await nodeB.WaitForOutputAsync("registered with the coordinator", Start);

        using var submit = await ProgramProcess.RunAsync("edgetrain",
            ["submit", TestCluster.SmallJob(temp.Path, "broken-data", 0.9, dataPath: BrokenData()), "--seed", seedAddress, "--wait", "--json"], TimeSpan.FromMinutes(4));
        Assert.True(submit.ExitCode == 1, $"exit {submit.ExitCode}\n{submit.Output}\n{submit.Error}");
        Assert.Contains("edgetrain: job broken-data-1 Failed: no trainer could train it", submit.Error, StringComparison.Ordinal);
        AssertNamesTheBrokenFile(TestCluster.LastJson(submit.Output).GetProperty("message").GetString(), submit.Output);

        using var status = await ProgramProcess.RunAsync("edgetrain", ["status", "--seed", seedAddress], TimeSpan.FromMinutes(1));
        Assert.Contains("broken-data-1 Failed:", status.Output, StringComparison.Ordinal);
        AssertNamesTheBrokenFile(status.Output, status.Output);

        using var show = await ProgramProcess.RunAsync(CmdProgram, [$"127.0.0.1:{cmdPort}", "job", "show", "-j", "broken-data-1"], TimeSpan.FromMinutes(1),
            new Dictionary<string, string> { ["EDGETRAIN_CMD_TOKEN"] = "" });
        Assert.True(show.ExitCode == 0, show.Output + show.Error);
        Assert.Contains("State: failed", show.Output, StringComparison.Ordinal);
        var reason = show.Output.Split('\n').FirstOrDefault(l => l.StartsWith("Reason: ", StringComparison.Ordinal));
        AssertNamesTheBrokenFile(reason, show.Output);

        // the seed's console prints the job's end once, with the reason
        await seed.WaitForOutputAsync("[job] broken-data-1 Failed:", TimeSpan.FromSeconds(30));
        AssertNamesTheBrokenFile(seed.Output.Split('\n').First(l => l.StartsWith("[job] broken-data-1 Failed:", StringComparison.Ordinal)), seed.Output);
    }
}
