using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Scheduling;

namespace EdgeTrain.Core.Tests.Scheduling;

/// <summary>A language model job in the coordinator's state: scored in bits per character, evaluated by samples, done at its target loss.</summary>
public sealed class LanguageJobSpec
{
    private static JobSpec Language(string name, double targetLoss = 2.6) => SchedulerHarness.Spec(name, target: 1) with
    {
        Model = new ModelSpec(ModelKind.CharTransformer, [], [], 0) { Transformer = new TransformerSpec() },
        Data = new DataSpec(DataSpec.TextJsonl, "data/sotu", PartitioningKind.ByField, 0) { Field = "year" },
        BatchSize = 32,
        TargetLoss = targetLoss,
        EvaluateEvery = 100,
    };

    private static SchedulerHarness Running(double targetLoss = 2.6)
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Persist(new JobSubmitted("lm", Language("lm", targetLoss), [100, 100], h.Now));
        h.Step();
        return h;
    }

    [Fact]
    public void It_completes_when_its_bits_per_character_reach_the_target_loss_and_not_by_accuracy()
    {
        var h = Running();
        h.Report("lm", "n1", 3_200);
        h.State.Evaluated("lm", double.NaN, h.Now, 2.9, "Fellow-Citizens: the the", [2.8, 3.0]);
        var job = h.State.Job("lm")!;

        Assert.Equal(JobState.Running, job.Decide(h.Now));
        Assert.Equal(0, job.Accuracy); // NaN from the evaluator is no accuracy
        Assert.Equal(2.9, job.BitsPerCharacter);
        Assert.Equal("Fellow-Citizens: the the", job.Sample);
        Assert.Equal(2.9, job.Curve[^1].BitsPerCharacter);
        Assert.Equal([2.8, 3.0], job.PartitionBits);

        h.Report("lm", "n1", 6_400);
        h.State.Evaluated("lm", double.NaN, h.Now, 2.599, "the Union");

        Assert.True(job.TargetReached);
        Assert.Equal(JobState.Completed, job.Decide(h.Now));
    }

    [Fact]
    public void Without_a_target_loss_it_runs_to_its_time_limit()
    {
        var h = Running(targetLoss: 0);
        h.State.Evaluated("lm", double.NaN, h.Now, 0.5, "x");

        Assert.False(h.State.Job("lm")!.TargetReached);
        Assert.Equal(JobState.Running, h.State.Job("lm")!.Decide(h.Now));
    }

    [Fact]
    public void It_is_evaluated_after_every_evaluate_every_steps_of_windows_across_its_trainers()
    {
        var h = Running();
        var timeout = TimeSpan.FromSeconds(30);

        Assert.Empty(h.State.EvaluationsDue(h.Now, timeout)); // nothing trained yet

        h.Report("lm", "n1", 1_600);
        h.Report("lm", "n2", 1_599);
        Assert.Empty(h.State.EvaluationsDue(h.Now, timeout)); // 3,199 < 100 steps × 32 windows

        h.Report("lm", "n2", 1_600);
        Assert.Equal(["lm"], h.State.EvaluationsDue(h.Now, timeout));
        h.State.EvaluationDone("lm");
        h.State.Evaluated("lm", double.NaN, h.Now, 3.5, "a");

        Assert.Empty(h.State.EvaluationsDue(h.Now, timeout)); // counted again from the last evaluation's samples
        h.Report("lm", "n1", 4_800);
        Assert.Equal(["lm"], h.State.EvaluationsDue(h.Now, timeout));
    }

    [Fact]
    public void A_classifier_is_still_evaluated_on_the_clock_and_done_by_accuracy()
    {
        var h = new SchedulerHarness().Nodes("n1");
        var job = h.Submit("img", target: 0.9);
        h.Step();

        Assert.Equal(["img"], h.State.EvaluationsDue(h.Now, TimeSpan.FromSeconds(30)));
        h.State.Evaluated("img", 0.95, h.Now);

        Assert.False(job.Language);
        Assert.True(double.IsNaN(job.BitsPerCharacter));
        Assert.Equal(JobState.Completed, job.Decide(h.Now));
    }
}
