using Akka.Actor;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Actors.Tests.Jobs;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using Xunit.Abstractions;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Actors.Tests.Cluster;

/// <summary>Three ActorSystems in this process form a cluster and train a small MLP through shards and aggregators.</summary>
public sealed class ClusterTrainingSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly InProcessCluster cluster = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Three_systems_train_a_small_mlp_until_its_loss_falls_and_it_reaches_its_target()
    {
        var seed = await cluster.StartAsync();
        var spec = TestJobs.SmallMlp("cluster-spec", TimeSpan.FromMinutes(3), seed: 3);

        var accepted = await seed.Coordinator.Ask<JobAccepted>(new SubmitJob(spec), TimeSpan.FromSeconds(30));

        JobStatus status = null!;
        await InProcessCluster.Eventually(async () =>
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

    [Fact]
    public async Task Three_systems_train_diloco_with_top_k_in_synchronous_rounds_on_a_few_bytes_a_sample()
    {
        var seed = await cluster.StartAsync();
        var topK = new CodecSpec(CodecKind.TopKInt8, TopKFraction: 0.01);
        var spec = TestJobs.SmallMlp("cluster-diloco", TimeSpan.FromMinutes(3), seed: 3) with
        {
            Optimizer = new OptimizerSpec(OptimizerKind.AdamW, 0.002, 0, 0.01),
            MaxEpochs = 100,
            LocalSteps = 16,
            OuterOptimizer = new Core.Optimizers.ShardOptimizerSpec(Core.Optimizers.ShardOptimizerKind.Sgd, 1f),
            Communication = new CommunicationSpec(topK, topK, ErrorFeedback: true, CommunicationSpec.TrainersInRegion, TimeSpan.FromSeconds(5), WaitForMerge: true),
        };

        var accepted = await seed.Coordinator.Ask<JobAccepted>(new SubmitJob(spec), TimeSpan.FromSeconds(30));

        JobStatus status = null!;
        await InProcessCluster.Eventually(async () =>
        {
            status = await seed.Coordinator.Ask<JobStatus>(new GetJobStatus(accepted.JobId), TimeSpan.FromSeconds(5));
            output.WriteLine($"{status.State} {status.ElapsedSeconds:0.0}s samples {status.Samples} accuracy {status.Accuracy:P1} updates {status.Updates} bytes {status.BytesSent} {status.Message}");
            return status.Finished;
        }, TimeSpan.FromSeconds(90));

        Assert.Equal(JobState.Completed, status.State);
        Assert.True(status.Accuracy >= 0.9, $"accuracy {status.Accuracy}");
        Assert.All(status.Trainers, t => Assert.True(t.Contributions > 0 && t.BytesPulled > 0));

        // a dense contribution alone is 4 bytes a parameter per 16·64 samples; top-k 1% with int8
        // values needs about 2.5 bytes per kept value, both ways
        var parameters = (784 * 32) + 32 + (32 * 10) + 10;
        var denseBytesPerSample = 4.0 * parameters / (16 * 64);
        var bytesPerSample = (double)status.BytesSent / status.Samples;
        output.WriteLine($"{bytesPerSample:0.00} bytes a sample; dense contributions alone {denseBytesPerSample:0.0}");
        Assert.True(bytesPerSample * 20 < denseBytesPerSample, $"{bytesPerSample:0.00} bytes a sample");
    }
}
