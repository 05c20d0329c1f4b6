using System.Net.Sockets;
using System.Text.Json;
using EdgeTrain.Tests;

namespace EdgeTrain.IntegrationTests;

/// <summary>The real programs as processes on loopback: the demo, a seed with nodes, submit and status.</summary>
public sealed class ClusterProgramsSpec : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private string SmallJob(string name, double target) => TestCluster.SmallJob(temp.Path, name, target);

    private static int FreePort() => TestCluster.FreePort();

    private static JsonElement LastJson(string output) => TestCluster.LastJson(output);

    [Fact]
    public async Task The_demo_trains_mnist_mlp_to_95_percent_on_three_node_processes_and_stops_them_all()
    {
        var runDir = temp.File("run");

        using var demo = await ProgramProcess.RunAsync("edgetrain",
            ["demo", "--nodes", "3", "--job", RepoPaths.Of("hocon", "jobs", "mnist-mlp.conf"), "--json", "--out", runDir], TimeSpan.FromMinutes(5));

        Assert.True(demo.ExitCode == 0, $"exit {demo.ExitCode}\n{demo.Output}\n{demo.Error}");
        var json = LastJson(demo.Output);
        Assert.Equal("cluster", json.GetProperty("mode").GetString());
        Assert.Equal(3, json.GetProperty("nodes").GetInt32());
        Assert.True(json.GetProperty("accuracy").GetDouble() >= 0.95);
        Assert.True(json.GetProperty("samples").GetInt64() > 0);
        Assert.True(json.GetProperty("samplesPerSecond").GetDouble() > 0);
        Assert.True(json.GetProperty("bytesSent").GetInt64() > 0);
        Assert.True(json.GetProperty("updates").GetInt64() > 0);
        var shards = json.GetProperty("shardsPerNode").EnumerateObject().ToList();
        Assert.True(shards.Count >= 2, $"slices on {shards.Count} node(s)");
        Assert.Equal(4, shards.Sum(s => s.Value.GetInt32()));
        Assert.True(File.Exists(Path.Combine(runDir, "metrics.csv")));
        Assert.True(File.Exists(Path.Combine(runDir, "curves.png")));
        Assert.True(File.Exists(json.GetProperty("model").GetString()));

        // every node's trainer contributed
        var logs = Directory.GetFiles(Path.Combine(runDir, "logs"), "node-*.log");
        Assert.Equal(3, logs.Length);
        Assert.All(logs, log => Assert.Matches(@"trainer \S+: stopped after [1-9][0-9]* samples", File.ReadAllText(log)));

        // the demo stopped every process it started: nobody listens on the nodes' ports any more
        foreach (var address in shards.Select(s => new Uri(s.Name.Replace("akka.tcp", "tcp", StringComparison.Ordinal))))
        {
            using var client = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(address.Host, address.Port));
        }

        await TheAuditLogOfTheRunVerifiesAndOneChangedByteIsNamed(json, runDir);
    }

    // the demo exported the coordinator's audit log and checked it; edgetrain audit verify agrees, and
    // names the entry in which one byte is changed afterwards
    private static async Task TheAuditLogOfTheRunVerifiesAndOneChangedByteIsNamed(JsonElement json, string runDir)
    {
        var audit = json.GetProperty("audit");
        Assert.True(audit.GetProperty("verified").GetBoolean(), audit.ToString());
        var file = audit.GetProperty("file").GetString()!;
        var lines = File.ReadAllLines(file);
        Assert.Contains(lines, l => l.Contains("\"job.submit\"", StringComparison.Ordinal));
        var publicKey = Directory.GetFiles(Path.Combine(runDir, "audit"), "*.pub.pem").Single();

        using var verified = await ProgramProcess.RunAsync("edgetrain", ["audit", "verify", "--file", file, "--trust", publicKey], TimeSpan.FromMinutes(1));
        Assert.True(verified.ExitCode == 0, $"exit {verified.ExitCode}\n{verified.Output}\n{verified.Error}");
        Assert.Contains($"audit chain verified: {lines.Length} entries", verified.Output, StringComparison.Ordinal);

        // one byte of the submit entry's text: the last letter of "job.submit" becomes a capital
        var index = Array.FindIndex(lines, l => l.Contains("\"job.submit\"", StringComparison.Ordinal));
        lines[index] = lines[index].Replace("\"job.submit\"", "\"job.submiT\"", StringComparison.Ordinal);
        File.WriteAllLines(file, lines);
        using var changed = await ProgramProcess.RunAsync("edgetrain", ["audit", "verify", "--file", file, "--trust", publicKey], TimeSpan.FromMinutes(1));
        Assert.True(changed.ExitCode == 1, $"exit {changed.ExitCode}\n{changed.Output}\n{changed.Error}");
        Assert.Contains($"entry #{index + 1}", changed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_and_status_run_a_job_on_a_seed_and_nodes_and_a_node_without_libtorch_joins_without_the_trainer_role()
    {
        var port = FreePort();
        var seedAddress = $"127.0.0.1:{port}";
        using var seed = ProgramProcess.Start("edgetrain", ["seed", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", temp.Path]);
        await seed.WaitForOutputAsync("edgetrain seed", TimeSpan.FromSeconds(60));
        using var withoutTorch = ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.Path],
            new Dictionary<string, string> { ["EDGETRAIN_DISABLE_TORCH"] = "1" });
        using var trainer = ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.Path, "--region", "region-b"]);
        await withoutTorch.WaitForOutputAsync("registered with the coordinator", TimeSpan.FromSeconds(60));
        await trainer.WaitForOutputAsync("registered with the coordinator", TimeSpan.FromSeconds(60));

        using var submit = await ProgramProcess.RunAsync("edgetrain", ["submit", SmallJob("small", 0.9), "--seed", seedAddress, "--wait", "--json"], TimeSpan.FromMinutes(4));
        using var status = await ProgramProcess.RunAsync("edgetrain", ["status", "--seed", seedAddress, "--json"], TimeSpan.FromMinutes(1));

        Assert.True(submit.ExitCode == 0, $"exit {submit.ExitCode}\n{submit.Error}\n{submit.Output}");
        var job = LastJson(submit.Output);
        Assert.Equal("Completed", job.GetProperty("state").GetString());
        Assert.True(job.GetProperty("accuracy").GetDouble() >= 0.9);

        // status, asked afterwards, has every trainer's final report: only the node with libtorch trained
        Assert.Equal(0, status.ExitCode);
        var jobs = LastJson(status.Output).EnumerateArray().ToList();
        Assert.True(jobs.Count == 1, $"status printed:\n{status.Output}\n{status.Error}");
        var listed = jobs[0];
        Assert.Equal("small-1", listed.GetProperty("jobId").GetString());
        var trainers = listed.GetProperty("trainers").EnumerateArray().ToList();
        Assert.True(trainers.Count == 1, $"status printed:\n{status.Output}");
        Assert.Equal("region-b", trainers[0].GetProperty("region").GetString());
        Assert.True(trainers[0].GetProperty("samples").GetInt64() > 0);

        const string why = "joining without the trainer role: disabled by EDGETRAIN_DISABLE_TORCH=1";
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(withoutTorch.Error, why));
        Assert.Contains("roles params,aggregator;", withoutTorch.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_of_a_job_file_that_does_not_validate_exits_2_naming_the_key_and_starts_nothing()
    {
        var job = SmallJob("bad", 0.9);
        File.WriteAllText(job, File.ReadAllText(job).Replace("batch-size = 64", "batch-size = -3", StringComparison.Ordinal));

        using var submit = await ProgramProcess.RunAsync("edgetrain", ["submit", job, "--seed", "127.0.0.1:9"], TimeSpan.FromMinutes(1));

        Assert.Equal(2, submit.ExitCode);
        var line = Assert.Single(submit.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("job.batch-size", line, StringComparison.Ordinal);
        Assert.Contains("found -3", line, StringComparison.Ordinal);
    }
}
