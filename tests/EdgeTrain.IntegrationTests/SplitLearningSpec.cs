using EdgeTrain.Actors.Split;
using EdgeTrain.Tests;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// Split learning with real processes over mutual TLS: three data nodes train the CNN's convolutions on their own digits
/// and a split-server on one of them trains the dense layers on their activations; 10 s in, the split-server's node is
/// SIGKILLed (its data node and its parameter slices go with it). The split-server comes back on another node from its
/// slices, the two data nodes left go on, and the job reaches its target.
/// </summary>
public sealed class SplitLearningSpec : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_split_job_survives_its_split_servers_node_and_reaches_its_target()
    {
        var run = temp.File("run");
        using var demo = await ProgramProcess.RunAsync("edgetrain",
            ["demo", "--nodes", "3", "--job", RepoPaths.Of("hocon", "jobs", "mnist-cnn-split.conf"), "--json", "--out", run, "--chaos", "kill-split-server"],
            TimeSpan.FromMinutes(8));

        Assert.True(demo.ExitCode == 0, $"exit {demo.ExitCode}\n{demo.Output}\n{demo.Error}");
        var json = TestCluster.LastJson(demo.Output);
        Assert.Equal("Completed", json.GetProperty("state").GetString());
        Assert.True(json.GetProperty("accuracy").GetDouble() >= 0.96, demo.Output);
        Assert.Equal(1, json.GetProperty("chaos").GetProperty("kills").GetInt32());
        Assert.Contains("serving the split job's layers after the cut", demo.Output, StringComparison.Ordinal);
        Assert.Equal("conv2", json.GetProperty("split").GetProperty("cutAfter").GetString());
        // the killed node served the layers, and another node served them after it
        var serving = Directory.GetFiles(Path.Combine(run, "logs"), "node-*.log").Where(log => File.ReadAllText(log).Contains(SplitServerActor.ServingMarker, StringComparison.Ordinal)).ToList();
        Assert.True(serving.Count >= 2, $"the split-server served on {string.Join(", ", serving)} only\n{demo.Output}");
    }
}
