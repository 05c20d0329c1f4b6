using EdgeTrain.Core.Jobs;
using EdgeTrain.Tests;
using EdgeTrain.Training.Data;
using EdgeTrain.Training.Local;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Tests.Local;

public sealed class LocalTrainerSpec
{
    private static readonly MnistSet Train = MnistLoader.LoadTrain(RepoPaths.Mnist).Subset(Enumerable.Range(0, 2_000).ToArray());
    private static readonly MnistSet Test = MnistLoader.LoadTest(RepoPaths.Mnist).Subset(Enumerable.Range(0, 500).ToArray());

    private static JobSpec Spec(OptimizerSpec optimizer, int epochs, double target = 1.0, TimeSpan? limit = null) => new(
        "spec",
        new ModelSpec(ModelKind.Mlp, [64], [], 0),
        new DataSpec("mnist", RepoPaths.Mnist, PartitioningKind.Iid, 2),
        optimizer,
        BatchSize: 32,
        MaxEpochs: epochs,
        TargetAccuracy: target,
        TimeLimit: limit ?? TimeSpan.FromMinutes(5),
        SliceFloats: 262_144,
        Seed: 1);

    [Theory]
    [InlineData(OptimizerKind.Adam, 0.001, 0.0)]
    [InlineData(OptimizerKind.Sgd, 0.05, 0.9)]
    [InlineData(OptimizerKind.AdamW, 0.001, 0.0)]
    public void Loss_falls_and_accuracy_rises_with_either_optimizer(OptimizerKind kind, double lr, double momentum)
    {
        var result = new LocalTrainer(Spec(new OptimizerSpec(kind, lr, momentum, 0), epochs: 3), CPU).Run(Train, Test);

        Assert.Equal(3, result.Epochs.Count);
        Assert.True(result.Epochs[2].TrainLoss < result.Epochs[0].TrainLoss * 0.7, $"loss {result.Epochs[0].TrainLoss} -> {result.Epochs[2].TrainLoss}");
        Assert.True(result.Accuracy > 0.8, $"accuracy {result.Accuracy}");
        Assert.Equal(3 * Train.Count, result.Samples);
        Assert.Equal(StopReason.MaxEpochs, result.StopReason);
        Assert.Equal((784 * 64) + 64 + (64 * 10) + 10, result.Parameters);
    }

    [Fact]
    public void Training_stops_at_the_target_accuracy()
    {
        var result = new LocalTrainer(Spec(new OptimizerSpec(OptimizerKind.Adam, 0.001, 0, 0), epochs: 50, target: 0.5), CPU).Run(Train, Test);

        Assert.Equal(StopReason.TargetReached, result.StopReason);
        Assert.True(result.Epochs.Count < 50);
        Assert.True(result.Accuracy >= 0.5);
    }

    [Fact]
    public void Training_stops_at_the_time_limit()
    {
        var spec = Spec(new OptimizerSpec(OptimizerKind.Adam, 0.001, 0, 0), epochs: 1_000, limit: TimeSpan.FromMilliseconds(1));

        var result = new LocalTrainer(spec, CPU).Run(Train, Test);

        Assert.Equal(StopReason.TimeLimit, result.StopReason);
        Assert.Single(result.Epochs);
    }

    [Fact]
    public void Two_runs_with_the_same_seed_end_with_the_same_accuracy()
    {
        var spec = Spec(new OptimizerSpec(OptimizerKind.Sgd, 0.05, 0.9, 0), epochs: 1);

        var a = new LocalTrainer(spec, CPU).Run(Train, Test);
        var b = new LocalTrainer(spec, CPU).Run(Train, Test);

        Assert.Equal(a.Accuracy, b.Accuracy);
        Assert.Equal(a.Epochs[0].TrainLoss, b.Epochs[0].TrainLoss, 4);
    }
}
