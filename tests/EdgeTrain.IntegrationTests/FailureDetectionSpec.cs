using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using EdgeTrain.Tests;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// Which nodes the cluster downs, with real processes: one whose process is gone (SIGKILL) at once,
/// through its refused port; one that is frozen for 2 s (SIGSTOP) or on a machine whose cores are all
/// busy, never. No wall-clock speed is asserted: the box running the tests is busy too.
/// </summary>
public sealed class FailureDetectionSpec : IDisposable
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_killed_node_is_downed_because_its_port_refuses_connections_and_is_removed()
    {
        await using var cluster = await LocalCluster.StartAsync(temp.Path, 2);
        var victim = cluster.Nodes[0];

        victim.Process.Dispose(); // SIGKILL

        await cluster.Seed.WaitForOutputAsync($"[member] removed     {victim.Address}", TimeSpan.FromSeconds(60));
        var everyone = string.Join("\n", new[] { cluster.Seed.Output }.Concat(cluster.Nodes.Skip(1).Select(n => n.Process.Output)));
        Assert.Matches(new Regex($@"member {Regex.Escape(victim.Address)}: [^\n]*nothing listens there, its process is gone; downing it"), everyone);
        Assert.DoesNotContain($"SBR is downing [UniqueAddress: ({victim.Address}", everyone, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_frozen_for_two_seconds_stays_a_member()
    {
        await using var cluster = await LocalCluster.StartAsync(temp.Path, 3);
        var frozen = cluster.Nodes[1];

        // three freezes of 2 s (a laptop's hiccup, a long GC pause), 3 s apart
        for (var i = 0; i < 3; i++)
        {
            TestCluster.Signal(frozen.Process.Id, "STOP");
            await Task.Delay(TimeSpan.FromSeconds(2));
            TestCluster.Signal(frozen.Process.Id, "CONT");
            await Task.Delay(TimeSpan.FromSeconds(3));
        }

        // long enough for a detection, a split brain resolver decision and a removal to show
        await Task.Delay(TimeSpan.FromSeconds(10));
        cluster.AssertStillMember(frozen);
    }

    [Fact]
    public async Task A_node_on_a_machine_whose_cores_are_all_busy_stays_a_member()
    {
        await using var cluster = await LocalCluster.StartAsync(temp.Path, 3);
        var busy = new List<Process>();
        try
        {
            // two busy loops per core, bounded by timeout(1) in case the test dies before its finally
            for (var i = 0; i < 2 * Environment.ProcessorCount; i++)
            {
                busy.Add(Process.Start(new ProcessStartInfo("timeout", ["40", "sh", "-c", "while :; do :; done"]) { UseShellExecute = false })!);
            }

            await Task.Delay(TimeSpan.FromSeconds(25));
        }
        finally
        {
            foreach (var process in busy)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5_000);
                process.Dispose();
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(8));
        foreach (var node in cluster.Nodes)
        {
            cluster.AssertStillMember(node);
        }
    }

    /// <summary>A seed and <c>n</c> nodes on loopback, each registered with the coordinator.</summary>
    private sealed class LocalCluster : IAsyncDisposable
    {
        private LocalCluster(ProgramProcess seed, IReadOnlyList<Node> nodes)
        {
            Seed = seed;
            Nodes = nodes;
        }

        public ProgramProcess Seed { get; }

        public IReadOnlyList<Node> Nodes { get; }

        public static async Task<LocalCluster> StartAsync(string dataDir, int count)
        {
            var port = TestCluster.FreePort();
            var seedAddress = $"127.0.0.1:{port}";
            var seed = ProgramProcess.Start("edgetrain", ["seed", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", dataDir, "--cmd-port", "0"]);
            await seed.WaitForOutputAsync("edgetrain seed", Start);
            var processes = Enumerable.Range(0, count)
                .Select(_ => ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", dataDir, "--cmd-port", "0"]))
                .ToList();
            var nodes = new List<Node>();
            foreach (var process in processes)
            {
                await process.WaitForOutputAsync("registered with the coordinator", Start);
                nodes.Add(new Node(process, Regex.Match(process.Output, @"edgetrain-node (\S+): region").Groups[1].Value));
            }

            return new LocalCluster(seed, nodes);
        }

        /// <summary>Fails when the seed saw <paramref name="node"/> removed or anyone downed it, or when the node was let go.</summary>
        public void AssertStillMember(Node node)
        {
            var everyone = string.Join("\n", new[] { Seed.Output }.Concat(Nodes.Select(n => n.Process.Output)));
            Assert.False(node.Process.HasExited, $"{node.Address} exited:\n{node.Process.Output}");
            Assert.DoesNotContain($"[member] removed     {node.Address}", Seed.Output, StringComparison.Ordinal);
            Assert.DoesNotContain($"SBR is downing [UniqueAddress: ({node.Address}", everyone, StringComparison.Ordinal);
            Assert.DoesNotMatch(new Regex($@"Marking (unreachable )?node \[{Regex.Escape(node.Address)}\] as \[Down\]"), everyone);
            Assert.DoesNotMatch(new Regex($@"member {Regex.Escape(node.Address)}: [^\n]*downing it"), everyone);
            Assert.DoesNotContain("the cluster let this node go", node.Process.Output, StringComparison.Ordinal);
        }

        public ValueTask DisposeAsync()
        {
            foreach (var node in Nodes)
            {
                node.Process.Dispose();
            }

            Seed.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed record Node(ProgramProcess Process, string Address);
}
