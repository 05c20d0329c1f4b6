using Akka.Actor;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Membership;
using EdgeTrain.Tests;
using Xunit.Abstractions;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Actors.Tests.Cluster;

/// <summary>Three ActorSystems in this process form a cluster and train a small MLP through shards and aggregators.</summary>
public sealed class ClusterTrainingSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly NodeCapabilities Capable = new(2, 8L << 30, true, null, false, 0, 10, 10L << 30, "test");
    private readonly TempFolder temp = new();
    private readonly List<EdgeTrainNode> nodes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in nodes)
        {
            await node.System.Terminate();
        }

        temp.Dispose();
    }

    private EdgeTrainNode Start(int port, int seedPort, string region, params string[] roles)
    {
        // evaluate and report often, so that a short run still draws a curve
        var tuning = temp.File("tuning.conf");
        File.WriteAllText(tuning, "edgetrain.coordinator.evaluation-interval = 300ms\nedgetrain.training.report-interval = 200ms\n");
        var node = EdgeTrainNode.Start(new NodeOptions("127.0.0.1", port, [$"127.0.0.1:{seedPort}"], region, roles, temp.Path, Capable, [tuning], TorchThreads: 1));
        nodes.Add(node);
        return node;
    }

    private static int FreePort() => LoopbackPorts.Free();

    [Fact]
    public async Task Three_systems_train_a_small_mlp_until_its_loss_falls_and_it_reaches_its_target()
    {
        var seedPort = FreePort();
        var seed = Start(seedPort, seedPort, "region-a", "seed", "params", "aggregator");
        Start(0, seedPort, "region-a", "params", "aggregator", "trainer");
        Start(0, seedPort, "region-b", "params", "trainer");
        var spec = new JobSpec(
            "cluster-spec",
            new ModelSpec(ModelKind.Mlp, [32], [], 0),
            new DataSpec("mnist", RepoPaths.Mnist, PartitioningKind.Iid, 2),
            new OptimizerSpec(OptimizerKind.Adam, 0.002, 0, 0),
            BatchSize: 64,
            MaxEpochs: 20,
            TargetAccuracy: 0.9,
            TimeLimit: TimeSpan.FromMinutes(3),
            SliceFloats: 8_192,
            Seed: 3);

        await Eventually(async () => await seed.Coordinator.Ask<NodeList>(GetNodes.Instance, TimeSpan.FromSeconds(3)) is { Nodes.Count: 3 }, TimeSpan.FromSeconds(60));
        var accepted = await seed.Coordinator.Ask<JobAccepted>(new SubmitJob(spec), TimeSpan.FromSeconds(30));

        JobStatus status = null!;
        await Eventually(async () =>
        {
            status = await seed.Coordinator.Ask<JobStatus>(new GetJobStatus(accepted.JobId), TimeSpan.FromSeconds(5));
            output.WriteLine($"{status.State} {status.ElapsedSeconds:0.0}s samples {status.Samples} accuracy {status.Accuracy:P1} updates {status.Updates} {status.Message}");
            return status.Finished;
        }, TimeSpan.FromSeconds(40));

        Assert.Equal(JobState.Completed, status.State);
        Assert.True(status.Accuracy >= 0.9, $"accuracy {status.Accuracy}");
        Assert.Equal(2, status.Trainers.Count);
        Assert.All(status.Trainers, t => Assert.True(t.Samples > 0 && t.Contributions > 0));
        Assert.True(status.Updates > 0);
        Assert.True(status.BytesSent > 0);
        Assert.True(status.SlicesPerNode.Count >= 2, $"slices on {status.SlicesPerNode.Count} node(s)");
        Assert.Equal(4, status.SlicesPerNode.Values.Sum());
        var losses = status.Curve.Select(c => c.Loss).Where(double.IsFinite).ToList();
        Assert.True(losses.Count >= 2 && losses[^1] < losses[0], $"loss {string.Join(" → ", losses)}");
    }

    private static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout)
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
}
