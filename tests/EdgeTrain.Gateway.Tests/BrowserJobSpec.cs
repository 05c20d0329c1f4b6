using Akka.Actor;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Gateway.Browser;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Gateway.Tests;

public sealed class BrowserJobSpec
{
    private static readonly JobSpec Mlp = new(
        "tab",
        new ModelSpec(ModelKind.Mlp, [16], [], 0),
        new DataSpec("mnist", "/data/mnist", PartitioningKind.Iid, 2),
        new OptimizerSpec(OptimizerKind.Sgd, 0.05, 0, 0),
        BatchSize: 32,
        MaxEpochs: 2,
        TargetAccuracy: 0.9,
        TimeLimit: TimeSpan.FromMinutes(10),
        SliceFloats: 6,
        Seed: 1);

    private static StartTraining Start(JobSpec spec, params int[] slices) => new("tab-1", spec, [0], 2, "eu", slices, ActorRefs.Nobody);

    [Fact]
    public void A_tab_trains_an_mlp_on_mnist_and_says_why_it_cannot_train_anything_else()
    {
        Assert.Null(BrowserJobs.Refusal(Mlp));
        Assert.Equal([784, 16, 10], BrowserJobs.Layers(Mlp));
        Assert.Equal("a browser trains MLP jobs only, not Cnn", BrowserJobs.Refusal(Mlp with { Model = new ModelSpec(ModelKind.Cnn, [], [8], 0) }));
        Assert.Equal("a browser sends plain gradients (local-steps = 1), not 16 local steps", BrowserJobs.Refusal(Mlp with { LocalSteps = 16 }));
    }

    [Fact]
    public void A_pull_assembles_the_whole_model_from_its_slices_with_their_versions()
    {
        var job = new BrowserJob(Start(Mlp, 6, 4));

        var pulls = job.BeginPull();
        var again = job.BeginPull();
        var first = job.Received(new SliceData("tab-1", 1, 9, [7, 8, 9, 10]));
        var model = job.Received(new SliceData("tab-1", 0, 4, [1, 2, 3, 4, 5, 6]));

        Assert.Equal([0, 1], pulls.Select(p => p.Slice));
        Assert.Empty(again); // one round in flight
        Assert.Null(first);
        Assert.Equal([4L, 9L], model!.Value.Versions);
        Assert.Equal([1f, 2, 3, 4, 5, 6, 7, 8, 9, 10], model.Value.Values);
    }

    [Fact]
    public void A_gradient_becomes_one_contribution_per_slice_encoded_with_the_jobs_codec_and_a_bad_one_none()
    {
        var job = new BrowserJob(Start(Mlp, 6, 4));
        var gradient = Enumerable.Range(1, 10).Select(i => i / 10f).ToArray();

        var contributions = job.Contribute(gradient, [4, 9], 32, 2.1);
        var notFinite = job.Contribute([.. gradient[..9], float.NaN], [4, 9], 32, 2.1);
        var wrongSize = job.Contribute(gradient[..9], [4, 9], 32, 2.1);
        var progress = job.Progress("device://tab");

        Assert.Equal([(0, 4L), (1, 9L)], contributions.Select(c => (c.Slice, c.BaseVersion)));
        Assert.All(contributions, c => Assert.Equal(("eu", 32.0), (c.Region, c.Weight)));
        var decoder = new SliceEncoder(Mlp.Wire.TrainerToAggregator, false, [6, 4]);
        Assert.Equal(decoder.Encode(1, gradient.AsSpan(6, 4)), contributions[1].Payload);
        Assert.Empty(notFinite);
        Assert.Empty(wrongSize);
        Assert.Equal((32L, 2L, 2.1), (progress.Samples, progress.Contributions, progress.Loss));
    }
}
