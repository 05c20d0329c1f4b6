using Akka.Actor;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Actors.Tests.Jobs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Parameters;
using Xunit.Abstractions;
using static EdgeTrain.Actors.Jobs.CheckpointProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Tests.Cluster;

/// <summary>
/// Three ActorSystems in this process train a small MLP; a checkpoint is taken while it trains, the
/// training goes on, and a rollback brings every slice back to the checkpoint's values bit for bit.
/// </summary>
public sealed class ClusterCheckpointSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(20);
    private readonly InProcessCluster cluster = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    private static async Task<SliceData[]> PullAll(EdgeTrainNode node, string jobId, int slices) =>
        await Task.WhenAll(Enumerable.Range(0, slices).Select(i => node.Shards.Ask<SliceData>(new PullSlice(jobId, i, -1), AskTimeout)));

    [Fact]
    public async Task A_rollback_while_the_cluster_trains_restores_every_slice_bit_for_bit()
    {
        var seed = await cluster.StartAsync();
        var spec = TestJobs.SmallMlp("checkpoint-spec", TimeSpan.FromSeconds(40), seed: 5);

        var jobId = (await seed.Coordinator.Ask<JobAccepted>(new SubmitJob(spec), AskTimeout)).JobId;
        Assert.IsType<CheckpointUnknown>(await seed.Coordinator.Ask<object>(new RollbackCheckpoint(jobId, 1), AskTimeout));
        await InProcessCluster.Eventually(async () => await seed.Coordinator.Ask<JobStatus>(new GetJobStatus(jobId), AskTimeout) is { State: JobState.Running }, TimeSpan.FromSeconds(60));

        // a checkpoint while the trainers run
        var saved = Assert.IsType<CheckpointSaved>(await seed.Coordinator.Ask<object>(new SaveCheckpoint(jobId, "early"), AskTimeout)).Checkpoint;
        output.WriteLine($"checkpoint {saved.Id}: versions [{string.Join(",", saved.Slices.Select(s => s.Version))}]");
        Assert.Equal(1, saved.Id);
        Assert.Equal("early", saved.Label);
        Assert.Equal(4, saved.Slices.Length);
        Assert.Equal((784 * 32) + 32 + (32 * 10) + 10, saved.TotalFloats);
        var file = CheckpointFile.Read(JobFiles.CheckpointPath(seed.Settings.DataDirectory, jobId, 1));
        Assert.Equal(saved.ContentHash, file.ContentHash);
        Assert.Equal(saved.Slices.Select(s => s.Version), file.Slices.Select(s => s.Version));

        // training goes on until the job ends; then the slices settle (the last merged updates land)
        await InProcessCluster.Eventually(async () => await seed.Coordinator.Ask<JobStatus>(new GetJobStatus(jobId), AskTimeout) is { Finished: true }, TimeSpan.FromSeconds(90));
        SliceData[] settled = await PullAll(seed, jobId, 4);
        await InProcessCluster.Eventually(async () =>
        {
            await Task.Delay(1_500);
            var now = await PullAll(seed, jobId, 4);
            var same = now.Select(d => d.Version).SequenceEqual(settled.Select(d => d.Version));
            settled = now;
            return same;
        }, TimeSpan.FromSeconds(60));
        output.WriteLine($"settled at versions [{string.Join(",", settled.Select(d => d.Version))}]");
        Assert.Contains(settled, d => d.Version > saved.Slices[d.Slice].Version);

        var rolledBack = Assert.IsType<RolledBack>(await seed.Coordinator.Ask<object>(new RollbackCheckpoint(jobId, 1), AskTimeout));

        var pulled = await PullAll(seed, jobId, 4);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(settled[i].Version + 1, rolledBack.Versions[i]);
            Assert.Equal(rolledBack.Versions[i], pulled[i].Version);
            var expected = file.Slices[i].Values;
            Assert.Equal(expected.Length, pulled[i].Values.Length);
            for (var j = 0; j < expected.Length; j++)
            {
                Assert.True(
                    BitConverter.SingleToInt32Bits(expected[j]) == BitConverter.SingleToInt32Bits(pulled[i].Values[j]),
                    $"slice {i} value {j}: checkpoint {expected[j]:R}, pulled {pulled[i].Values[j]:R}");
            }
        }

        // a second checkpoint gets the next number; the list shows both, and the file comes back in chunks
        var second = Assert.IsType<CheckpointSaved>(await seed.Coordinator.Ask<object>(new SaveCheckpoint(jobId, null), AskTimeout)).Checkpoint;
        Assert.Equal(2, second.Id);
        Assert.Equal(rolledBack.Versions, second.Slices.Select(s => s.Version));
        var secondFile = CheckpointFile.Read(JobFiles.CheckpointPath(seed.Settings.DataDirectory, jobId, 2));
        Assert.Equal(
            file.Flatten().Select(BitConverter.SingleToInt32Bits),
            secondFile.Flatten().Select(BitConverter.SingleToInt32Bits));
        var list = Assert.IsType<CheckpointList>(await seed.Coordinator.Ask<object>(new ListCheckpoints(jobId), AskTimeout));
        Assert.Equal([1L, 2L], list.Checkpoints.Select(c => c.Id));
        var chunk = Assert.IsType<CheckpointChunk>(await seed.Coordinator.Ask<object>(new FetchCheckpoint(jobId, 1, 0), AskTimeout));
        Assert.Equal(chunk.TotalBytes, chunk.Bytes.Length);
        Assert.Equal(saved.ContentHash, CheckpointFile.FromBytes(chunk.Bytes, "fetched").ContentHash);
        Assert.IsType<CheckpointUnknown>(await seed.Coordinator.Ask<object>(new RollbackCheckpoint(jobId, 9), AskTimeout));
        Assert.IsType<CheckpointUnknown>(await seed.Coordinator.Ask<object>(new ListCheckpoints("no-such-job"), AskTimeout));
    }
}
