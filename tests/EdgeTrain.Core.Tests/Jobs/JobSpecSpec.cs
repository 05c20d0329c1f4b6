using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Core.Tests.Jobs;

public sealed class JobSpecSpec
{
    private static readonly JobSpec Job = new(
        "job",
        new ModelSpec(ModelKind.Mlp, [8], [], 0),
        new DataSpec("mnist", "/data/mnist", PartitioningKind.Iid, 2),
        new OptimizerSpec(OptimizerKind.Sgd, 0.05, 0, 0),
        BatchSize: 32,
        MaxEpochs: 1,
        TargetAccuracy: 0.9,
        TimeLimit: TimeSpan.FromMinutes(1),
        SliceFloats: 1000,
        Seed: 1,
        LocalSteps: 10);

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    [Fact]
    public void Without_a_budget_a_trainer_takes_every_local_step()
    {
        Assert.Equal(TimeSpan.Zero, Job.LocalTimeBudget);
        Assert.True(Job.TakesAnotherLocalStep(9, TimeSpan.FromHours(1)));
        Assert.False(Job.TakesAnotherLocalStep(10, TimeSpan.Zero));
    }

    [Theory]
    [InlineData(0, 5_000, true)]
    [InlineData(1, 99, true)]
    [InlineData(1, 100, false)]
    [InlineData(3, 250, false)]
    [InlineData(9, 10, true)]
    [InlineData(10, 10, false)]
    public void With_a_budget_a_trainer_steps_until_it_has_passed_at_least_once_at_most_local_steps(int taken, int elapsedMs, bool another) =>
        Assert.Equal(another, (Job with { LocalTimeBudget = Ms(100) }).TakesAnotherLocalStep(taken, Ms(elapsedMs)));

    [Fact]
    public void A_trainer_twice_as_fast_takes_twice_the_steps_in_a_budget()
    {
        static int Steps(JobSpec job, int msPerStep)
        {
            var taken = 0;
            do
            {
                taken++;
            }
            while (job.TakesAnotherLocalStep(taken, Ms(taken * msPerStep)));

            return taken;
        }

        var job = Job with { LocalSteps = 1000, LocalTimeBudget = Ms(300) };

        Assert.Equal(30, Steps(job, 10));
        Assert.Equal(15, Steps(job, 20));
        Assert.Equal(1, Steps(job, 500));
        Assert.Equal(10, Steps(Job with { LocalTimeBudget = Ms(300) }, 1));
    }
}
