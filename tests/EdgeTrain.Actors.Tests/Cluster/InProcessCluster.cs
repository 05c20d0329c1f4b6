using Akka.Actor;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core.Membership;
using EdgeTrain.Tests;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Actors.Tests.Cluster;

/// <summary>
/// Three ActorSystems in this process forming one cluster on loopback over mutual TLS: a seed with the
/// params and aggregator roles, and two nodes that also train (regions a and b), each with its own
/// identity from a test CA granting exactly its roles. They share one SQLite journal in a temporary
/// folder and evaluate and report often, so short runs draw a curve.
/// </summary>
internal sealed class InProcessCluster : IAsyncDisposable
{
    public static readonly NodeCapabilities Capable = new(2, 8L << 30, true, null, false, 0, 10, 10L << 30, "test");
    private readonly TempFolder temp = new();
    private readonly List<EdgeTrainNode> nodes = [];
    private int started;

    /// <summary>The cluster's CA.</summary>
    public TestPki Pki { get; } = new();

    /// <summary>The nodes, in the order they were started (the seed first).</summary>
    public IReadOnlyList<EdgeTrainNode> Nodes => nodes;

    /// <summary>The cluster's temporary folder (data, identities).</summary>
    public TempFolder Temp => temp;

    /// <summary>Starts the three nodes and waits until the coordinator knows all of them; returns the seed.</summary>
    public async Task<EdgeTrainNode> StartAsync()
    {
        var seedPort = LoopbackPorts.Free();
        var seed = Start(seedPort, seedPort, "region-a", "seed", "params", "aggregator");
        Start(0, seedPort, "region-a", "params", "aggregator", "trainer");
        Start(0, seedPort, "region-b", "params", "trainer");
        await Eventually(async () => await seed.Coordinator.Ask<NodeList>(GetNodes.Instance, TimeSpan.FromSeconds(3)) is { Nodes.Count: 3 }, TimeSpan.FromSeconds(60));
        return seed;
    }

    /// <summary>
    /// Starts a seed (params, aggregator) and <paramref name="trainers"/> trainer nodes in its region, the first of
    /// them with the extra configuration <paramref name="firstTrainer"/> (an adversary, say); waits until the
    /// coordinator knows all of them and returns the seed.
    /// </summary>
    public async Task<EdgeTrainNode> StartOneRegionAsync(int trainers, string firstTrainer)
    {
        var seedPort = LoopbackPorts.Free();
        var seed = Start(seedPort, seedPort, "region-a", "seed", "params", "aggregator");
        for (var i = 0; i < trainers; i++)
        {
            StartWith(i == 0 ? firstTrainer : "", 0, seedPort, "region-a", "params", "trainer");
        }

        await Eventually(async () => await seed.Coordinator.Ask<NodeList>(GetNodes.Instance, TimeSpan.FromSeconds(3)) is { } list && list.Nodes.Count == trainers + 1, TimeSpan.FromSeconds(60));
        return seed;
    }

    /// <summary>Polls <paramref name="condition"/> every half second until it holds; ask time-outs count as "not yet".</summary>
    public static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (AskTimeoutException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"condition not met within {timeout}");
            }

            await Task.Delay(500);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in nodes)
        {
            await node.System.Terminate();
        }

        Pki.Dispose();
        temp.Dispose();
    }

    private EdgeTrainNode Start(int port, int seedPort, string region, params string[] roles) => StartWith("", port, seedPort, region, roles);

    private EdgeTrainNode StartWith(string extra, int port, int seedPort, string region, params string[] roles)
    {
        var name = $"node-{++started}";
        var tuning = temp.File($"tuning-{name}.conf");
        File.WriteAllText(tuning, "edgetrain.coordinator.evaluation-interval = 300ms\nedgetrain.training.report-interval = 200ms\n" + extra + "\n");
        using var certificate = Pki.Issue(name, roles);
        var identity = Pki.WriteIdentity(temp.File(Path.Combine("identities", name)), certificate);
        var node = EdgeTrainNode.Start(new NodeOptions("127.0.0.1", port, [$"127.0.0.1:{seedPort}"], region, roles, temp.Path, Capable, [tuning], TorchThreads: 1, IdentityDirectory: identity));
        nodes.Add(node);
        return node;
    }
}
