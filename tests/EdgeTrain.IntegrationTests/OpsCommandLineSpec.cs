using System.Globalization;
using System.Text.RegularExpressions;
using EdgeTrain.Tests;
using Xunit.Abstractions;

namespace EdgeTrain.IntegrationTests;

/// <summary>edgetrain-cmd against a real cluster of processes: a seed and three nodes, each with its command host.</summary>
public sealed class OpsCommandLineSpec(ITestOutputHelper log) : IDisposable
{
    private const string Token = "ops-token";

    // edgetrain-cmd in its own folder beside the tests (see the project file)
    private static readonly string CmdProgram = Path.Combine("cmd-client", "edgetrain-cmd");
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    // the test's own environment must not lend the client a token
    private static Task<ProgramProcess> Cmd(params string[] args) =>
        ProgramProcess.RunAsync(CmdProgram, args, TimeSpan.FromMinutes(3), new Dictionary<string, string> { ["EDGETRAIN_CMD_TOKEN"] = "" });

    private static async Task<string> PollAsync(Func<Task<string?>> attempt, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await attempt() is { } done)
            {
                return done;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} within {timeout}");
            }

            await Task.Delay(1_000);
        }
    }

    [Fact]
    public async Task Ops_show_tail_and_change_a_training_cluster_and_a_node_that_leaves_loses_no_acknowledged_update()
    {
        var port = TestCluster.FreePort();
        var seedAddress = $"127.0.0.1:{port}";
        var endpoint = $"127.0.0.1:{TestCluster.FreePort()}";
        using var seed = ProgramProcess.Start("edgetrain", ["seed", "--port", Text(port), "--data-dir", temp.Path, "--cmd-port", endpoint.Split(':')[1]],
            new Dictionary<string, string> { ["EDGETRAIN_CMD_TOKEN"] = Token });
        await seed.WaitForOutputAsync($"command host on {endpoint}", Start);

        // a tail started before the nodes prints each one's join
        using var tail = ProgramProcess.Start(CmdProgram, [endpoint, "cluster", "tail"]);
        await tail.WaitForOutputAsync("Tailing cluster events", Start);
        var nodes = Enumerable.Range(0, 3)
            .Select(_ => ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.Path, "--cmd-port", Text(TestCluster.FreePort())]))
            .ToList();
        try
        {
            foreach (var node in nodes)
            {
                await node.WaitForOutputAsync("registered with the coordinator", Start);
            }

            var addresses = nodes.Select(n => Regex.Match(n.Output, @"edgetrain-node (\S+): region").Groups[1].Value).ToList();
            foreach (var address in addresses)
            {
                await PollAsync(() => Task.FromResult(Regex.IsMatch(tail.Output, Regex.Escape(address) + @" \| \[[a-z, ]+\] \| up") ? "" : null), $"the tail showed {address} up", TimeSpan.FromSeconds(30));
            }

            // cluster show: every member up, and the count
            using var show = await Cmd(endpoint, "cluster", "show");
            Assert.True(show.ExitCode == 0, show.Output + show.Error);
            var lines = show.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal("Count: 4 nodes", lines[^1]);
            Assert.Equal(4, lines.Count(l => l.EndsWith("| up |", StringComparison.Ordinal)));
            Assert.All(addresses, a => Assert.Contains(lines, l => l.StartsWith(a + " | [aggregator, params, trainer] | up |", StringComparison.Ordinal)));

            // a command that changes the cluster, without the token: refused, exit 1, and the refusal is logged
            using var refused = await Cmd(endpoint, "cluster", "leave", addresses[2]);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("'cluster leave' changes the cluster or a job and needs the command token", refused.Error, StringComparison.Ordinal);
            await seed.WaitForOutputAsync("refused 'cluster leave", TimeSpan.FromSeconds(10));

            using var submit = await ProgramProcess.RunAsync("edgetrain", ["submit", TestCluster.SmallJob(temp.Path, "ops", 0.96, hidden: 128), "--seed", seedAddress], TimeSpan.FromMinutes(1));
            Assert.True(submit.ExitCode == 0, submit.Output + submit.Error);
            await PollAsync(async () => (await Cmd(endpoint, "job", "list")).Output.Contains("ops-1 | running |", StringComparison.Ordinal) ? "" : null, "ops-1 running", Start);

            // region-stats counts the job's slices (the only job, so every parameter-shard entity is one)
            using var slices = await Cmd(endpoint, "shards", "list", "-j", "ops-1");
            var sliceCount = int.Parse(Regex.Match(slices.Output, @"Count: (\d+) slices").Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.Equal(7, sliceCount);
            var stats = await PollAsync(async () =>
            {
                using var regionStats = await Cmd(endpoint, "cluster-sharding", "region-stats", "-r", "parameter-shard");
                return regionStats.Output.Contains($"Total: {sliceCount} entities", StringComparison.Ordinal) ? regionStats.Output : null;
            }, $"region-stats counted {sliceCount} entities", TimeSpan.FromSeconds(30));
            log.WriteLine(stats);

            // pause and resume through the coordinator, with the token from the environment this time
            using var pause = await ProgramProcess.RunAsync(CmdProgram, [endpoint, "job", "pause", "-j", "ops-1"], TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["EDGETRAIN_CMD_TOKEN"] = Token });
            Assert.True(pause.ExitCode == 0, pause.Output + pause.Error);
            using var paused = await Cmd(endpoint, "job", "show", "-j", "ops-1");
            Assert.Contains("State: paused", paused.Output, StringComparison.Ordinal);
            using var resume = await Cmd(endpoint, "job", "resume", "-j", "ops-1", "--token", Token);
            Assert.True(resume.ExitCode == 0, resume.Output + resume.Error);

            // the third node leaves mid-job: its slices hand off, it is removed and its process ends
            using var leave = await Cmd(endpoint, "cluster", "leave", addresses[2], "--token", Token);
            Assert.True(leave.ExitCode == 0, leave.Output + leave.Error);
            Assert.Contains($"{addresses[2]} | [aggregator, params, trainer] | removed", leave.Output, StringComparison.Ordinal);
            await nodes[2].WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, nodes[2].ExitCode);
            Assert.Contains("left the cluster", nodes[2].Output, StringComparison.Ordinal);
            using var during = await Cmd(endpoint, "job", "show", "-j", "ops-1");
            log.WriteLine(during.Output);

            // the job reaches its target, and no acknowledged update went missing
            var final = await PollAsync(async () =>
            {
                using var job = await Cmd(endpoint, "job", "show", "-j", "ops-1");
                return job.Output.Contains("State: completed", StringComparison.Ordinal) || job.Output.Contains("State: timed-out", StringComparison.Ordinal) ? job.Output : null;
            }, "ops-1 ended", TimeSpan.FromMinutes(3));
            log.WriteLine(final);
            Assert.Contains("State: completed", final, StringComparison.Ordinal);
            var audit = Regex.Match(final, @"Audit: ([\d,]+) acknowledged updates, (\d+) lost");
            Assert.True(audit.Success, final);
            Assert.True(long.Parse(audit.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) > 0, final);
            Assert.Equal("0", audit.Groups[2].Value);
            Assert.Contains($"{addresses[2]} | [aggregator, params, trainer] | removed", tail.Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }
}
