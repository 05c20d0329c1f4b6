using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using EdgeTrain.Tests;
using Xunit.Abstractions;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// A node process ends on SIGTERM (systemd, Docker, Kubernetes) and on SIGINT (Ctrl-C), with exit code 0,
/// whatever state it is in: never joined, a member, or a member whose seed has gone.
/// </summary>
public sealed class NodeStopSpec(ITestOutputHelper log) : IDisposable
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);

    // a hang detector: the node's own bound is edgetrain.node.leave-timeout (5 s) plus its shutdown
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(20);

    private static readonly Regex HowItStopped = new(@"edgetrain-node \S+: (left the cluster|stopped.*)");

    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_node_that_never_joined_because_nobody_listens_at_its_seed_stops_at_once(string signal)
    {
        using var node = StartNode(TestCluster.FreePort(), cmdPort: 0);
        await node.WaitForOutputAsync("edgetrain-node akka.ssl.tcp://", Start);

        var stopped = await SignalAndWaitAsync(node, signal);

        Assert.True(node.ExitCode == 0, $"exit {node.ExitCode}\n{node.Output}\n{node.Error}");
        Assert.Contains("stopped; it had not joined a cluster", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("joining again", node.Output, StringComparison.Ordinal);
        Assert.True(stopped < TimeSpan.FromSeconds(10), $"stopped after {stopped}\n{node.Output}");
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_member_leaves_the_cluster_gracefully_and_its_command_host_closes(string signal)
    {
        var seedPort = TestCluster.FreePort();
        using var seed = StartSeed(seedPort);
        await seed.WaitForOutputAsync("edgetrain seed", Start);
        var cmdPort = TestCluster.FreePort();
        using var node = StartNode(seedPort, cmdPort);
        await node.WaitForOutputAsync("registered with the coordinator", Start);
        await node.WaitForOutputAsync($"command host on 127.0.0.1:{cmdPort.ToString(CultureInfo.InvariantCulture)}", Start);
        var address = Address(node);

        var stopped = await SignalAndWaitAsync(node, signal);

        Assert.True(node.ExitCode == 0, $"exit {node.ExitCode}\n{node.Output}\n{node.Error}");
        Assert.Contains($"edgetrain-node {address}: left the cluster", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("joining again", node.Output, StringComparison.Ordinal);
        await seed.WaitForOutputAsync($"[member] removed     {address} (was Exiting)", TimeSpan.FromSeconds(10));
        Assert.True(stopped < TimeSpan.FromSeconds(15), $"stopped after {stopped}\n{node.Output}");
    }

    [Theory]
    [InlineData("TERM", "killed")]
    [InlineData("INT", "killed")]
    [InlineData("TERM", "left")]
    [InlineData("INT", "left")]
    public async Task A_member_whose_seed_is_gone_stops(string signal, string seedGone)
    {
        var seedPort = TestCluster.FreePort();
        using var seed = StartSeed(seedPort);
        await seed.WaitForOutputAsync("edgetrain seed", Start);
        using var node = StartNode(seedPort, cmdPort: 0);
        await node.WaitForOutputAsync("registered with the coordinator", Start);
        await seed.WaitForOutputAsync($"[member] up          {Address(node)}", Start);
        if (seedGone == "killed")
        {
            // the node is told to stop while it still counts the seed as a member: its leave has nobody to go to
            seed.Dispose();
        }
        else
        {
            // the seed stops the same way (it is the seed command's own test)
            TestCluster.Signal(seed.Id, "TERM");
            await seed.WaitAsync(Exit);
            Assert.True(seed.ExitCode == 0, $"seed exit {seed.ExitCode}\n{seed.Output}\n{seed.Error}");
            Assert.Contains("left the cluster", seed.Output, StringComparison.Ordinal);
        }

        var stopped = await SignalAndWaitAsync(node, signal);

        Assert.True(node.ExitCode == 0, $"exit {node.ExitCode}\n{node.Output}\n{node.Error}");
        Assert.Matches(HowItStopped, node.Output);
        Assert.DoesNotContain("joining again", node.Output, StringComparison.Ordinal);
        Assert.True(stopped < TimeSpan.FromSeconds(15), $"stopped after {stopped}\n{node.Output}");
    }

    private ProgramProcess StartSeed(int port) =>
        ProgramProcess.Start("edgetrain", ["seed", "--port", port.ToString(CultureInfo.InvariantCulture), "--cmd-port", "0", "--data-dir", temp.File("seed")]);

    private ProgramProcess StartNode(int seedPort, int cmdPort) =>
        ProgramProcess.Start("edgetrain-node",
            ["--seed", $"127.0.0.1:{seedPort.ToString(CultureInfo.InvariantCulture)}", "--port", "0", "--cmd-port", cmdPort.ToString(CultureInfo.InvariantCulture), "--data-dir", temp.File("node")]);

    private static string Address(ProgramProcess node) => Regex.Match(node.Output, @"edgetrain-node (\S+): region").Groups[1].Value;

    private async Task<TimeSpan> SignalAndWaitAsync(ProgramProcess process, string signal)
    {
        var clock = Stopwatch.StartNew();
        TestCluster.Signal(process.Id, signal);
        await process.WaitAsync(Exit);
        var stopped = clock.Elapsed;
        log.WriteLine($"SIG{signal}: exit {process.ExitCode} after {stopped.TotalSeconds:0.0} s; {HowItStopped.Match(process.Output).Value.TrimEnd()}");
        return stopped;
    }
}
