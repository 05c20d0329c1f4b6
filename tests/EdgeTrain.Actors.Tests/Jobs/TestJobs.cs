using EdgeTrain.Core.Jobs;
using EdgeTrain.Tests;

namespace EdgeTrain.Actors.Tests.Jobs;

/// <summary>The job specs the actor tests share.</summary>
internal static class TestJobs
{
    /// <summary>A job for the coordinator's bookkeeping: never trained, its data path need not exist.</summary>
    public static readonly JobSpec Tiny = new(
        "tiny",
        new ModelSpec(ModelKind.Mlp, [16], [], 0),
        new DataSpec("mnist", "/data/mnist", PartitioningKind.Iid, 2),
        new OptimizerSpec(OptimizerKind.Sgd, 0.05, 0, 0),
        BatchSize: 32,
        MaxEpochs: 2,
        TargetAccuracy: 0.9,
        TimeLimit: TimeSpan.FromMinutes(10),
        SliceFloats: 1000,
        Seed: 1);

    /// <summary>A small MLP on the sample MNIST, Adam on the shards, in four slices: trains to 90 % in seconds.</summary>
    public static JobSpec SmallMlp(string name, TimeSpan timeLimit, int seed) => new(
        name,
        new ModelSpec(ModelKind.Mlp, [32], [], 0),
        new DataSpec("mnist", RepoPaths.Mnist, PartitioningKind.Iid, 2),
        new OptimizerSpec(OptimizerKind.Adam, 0.002, 0, 0),
        BatchSize: 64,
        MaxEpochs: 20,
        TargetAccuracy: 0.9,
        TimeLimit: timeLimit,
        SliceFloats: 8_192,
        Seed: seed);
}
