using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core.Jobs;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Actors.Tests.Jobs;

public sealed class JobRunSpec
{
    private static readonly DateTime Submitted = new(2025, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    private static readonly JobSpec Spec = TestJobs.Tiny;

    private static JobRun NewRun() => new("tiny-1", Spec, [1000, 1000, 250], Submitted);

    private static JobRun Running(double startedAfterSeconds = 5)
    {
        var run = NewRun();
        run.Started(Submitted.AddSeconds(startedAfterSeconds));
        return run;
    }

    private static TrainerProgress Trainer(string node, long samples, double loss = 1.0, long bytes = 0) =>
        new("tiny-1", node, "local", samples, loss, Contributions: samples / 32, bytes, BusySeconds: 1, PullSeconds: 0.5);

    private static AggregatorProgress Aggregator(string region, long mergedSent, long acknowledged, long bytes) =>
        new("tiny-1", region, region + "#1", mergedSent, acknowledged, bytes, []);

    [Fact]
    public void A_new_run_is_starting_with_nothing_counted()
    {
        var run = NewRun();

        Assert.Equal("tiny-1", run.JobId);
        Assert.Same(Spec, run.Spec);
        Assert.Equal([1000, 1000, 250], run.SliceLengths);
        Assert.Equal(Submitted, run.SubmittedUtc);
        Assert.Null(run.StartedUtc);
        Assert.Equal(JobState.Starting, run.State);
        Assert.False(run.Finished);
        Assert.Equal(0, run.Samples);
        Assert.Equal(0, run.BytesSent);
        Assert.Equal(0, run.Updates);
        Assert.True(double.IsNaN(run.Loss));
        Assert.Equal(0, run.Elapsed(Submitted.AddMinutes(1)));
    }

    [Fact]
    public void Starting_moves_the_run_to_running()
    {
        var run = NewRun();

        run.Started(Submitted.AddSeconds(3));

        Assert.Equal(JobState.Running, run.State);
        Assert.Equal(Submitted.AddSeconds(3), run.StartedUtc);
        Assert.Equal(7, run.Elapsed(Submitted.AddSeconds(10)), 9);
    }

    [Fact]
    public void Totals_add_up_trainers_and_aggregators()
    {
        var run = Running();

        run.Record(Trainer("node-a", 1_000, bytes: 40_000));
        run.Record(Trainer("node-b", 3_000, bytes: 120_000));
        run.Record(Aggregator("eu", mergedSent: 10, acknowledged: 8, bytes: 7_000));
        run.Record(Aggregator("us", mergedSent: 5, acknowledged: 5, bytes: 3_000));

        Assert.Equal(4_000, run.Samples);
        Assert.Equal(40_000 + 120_000 + 7_000 + 3_000, run.BytesSent);
        Assert.Equal(13, run.Updates);
    }

    [Fact]
    public void The_newest_report_of_a_node_replaces_the_previous_one()
    {
        var run = Running();
        run.Record(Trainer("node-a", 1_000, loss: 2.0, bytes: 10));
        run.Record(Trainer("node-b", 500, loss: 1.0, bytes: 5));

        run.Record(Trainer("node-a", 2_500, loss: 0.5, bytes: 25));

        Assert.Equal(3_000, run.Samples);
        Assert.Equal(30, run.BytesSent);
        Assert.Equal(0.75, run.Loss, 12);
    }

    [Fact]
    public void An_older_report_of_a_node_does_not_overwrite_a_newer_one()
    {
        var run = Running();
        run.Record(Trainer("node-a", 2_500, loss: 0.5, bytes: 25));

        run.Record(Trainer("node-a", 1_000, loss: 2.0, bytes: 10));

        Assert.Equal(2_500, run.Samples);
        Assert.Equal(25, run.BytesSent);
        Assert.Equal(0.5, run.Loss, 12);
        Assert.Equal(2_500, Assert.Single(run.ToStatus(Submitted.AddMinutes(1)).Trainers).Samples);
    }

    [Fact]
    public void A_report_with_as_many_samples_replaces_the_previous_one()
    {
        var run = Running();
        run.Record(Trainer("node-a", 2_500, loss: 0.5));

        run.Record(Trainer("node-a", 2_500, loss: 0.25));

        Assert.Equal(0.25, run.Loss, 12);
    }

    [Fact]
    public void An_aggregator_report_replaces_the_previous_one_of_its_region()
    {
        var run = Running();
        run.Record(Aggregator("eu", mergedSent: 3, acknowledged: 2, bytes: 300));
        run.Record(Aggregator("eu", mergedSent: 7, acknowledged: 6, bytes: 700));

        Assert.Equal(6, run.Updates);
        Assert.Equal(700, run.BytesSent);
    }

    [Fact]
    public void The_loss_is_the_mean_of_the_finite_trainer_losses()
    {
        var run = Running();
        run.Record(Trainer("node-a", 10, loss: 1.0));
        run.Record(Trainer("node-b", 10, loss: double.NaN));
        run.Record(Trainer("node-c", 10, loss: 2.0));
        run.Record(Trainer("node-d", 10, loss: double.PositiveInfinity));

        Assert.Equal(1.5, run.Loss, 12);
    }

    [Fact]
    public void The_loss_is_nan_when_no_trainer_has_a_finite_loss()
    {
        var run = Running();
        run.Record(Trainer("node-a", 10, loss: double.NaN));

        Assert.True(double.IsNaN(run.Loss));
    }

    [Fact]
    public void An_evaluation_below_the_target_adds_a_curve_point_and_keeps_running()
    {
        var run = Running(startedAfterSeconds: 5);
        run.Record(Trainer("node-a", 640, loss: 0.8));
        run.Record(Trainer("node-b", 360, loss: 0.4));

        var state = run.Evaluated(0.5, Submitted.AddSeconds(25));

        Assert.Equal(JobState.Running, state);
        Assert.Equal(0.5, run.Accuracy);
        var point = Assert.Single(run.ToStatus(Submitted.AddSeconds(30)).Curve);
        Assert.Equal(20, point.Seconds, 9);
        Assert.Equal(1_000, point.Samples);
        Assert.Equal(0.6, point.Loss, 12);
        Assert.Equal(0.5, point.Accuracy);
    }

    [Fact]
    public void Evaluations_build_the_curve_in_order()
    {
        var run = Running(startedAfterSeconds: 0);

        run.Record(Trainer("node-a", 100));
        run.Evaluated(0.3, Submitted.AddSeconds(2));
        run.Record(Trainer("node-a", 300));
        run.Evaluated(0.6, Submitted.AddSeconds(4));
        run.Record(Trainer("node-a", 600));
        run.Evaluated(0.7, Submitted.AddSeconds(6));

        var curve = run.ToStatus(Submitted.AddSeconds(7)).Curve;
        Assert.Equal([2.0, 4.0, 6.0], curve.Select(p => p.Seconds));
        Assert.Equal([100L, 300L, 600L], curve.Select(p => p.Samples));
        Assert.Equal([0.3, 0.6, 0.7], curve.Select(p => p.Accuracy));
    }

    [Theory]
    [InlineData(0.9)]
    [InlineData(0.95)]
    [InlineData(1.0)]
    public void An_evaluation_at_the_target_completes_the_job(double accuracy)
    {
        var run = Running();

        Assert.Equal(JobState.Completed, run.Evaluated(accuracy, Submitted.AddSeconds(30)));
        Assert.Single(run.ToStatus(Submitted.AddSeconds(30)).Curve);
    }

    [Fact]
    public void Deciding_keeps_running_before_the_time_limit_and_times_out_at_it()
    {
        var run = Running();

        Assert.Equal(JobState.Running, run.Decide(Submitted.AddMinutes(9)));
        Assert.Equal(JobState.Running, run.Decide(Submitted.AddMinutes(10).AddTicks(-1)));
        Assert.Equal(JobState.TimedOut, run.Decide(Submitted.AddMinutes(10)));
        Assert.Equal(JobState.TimedOut, run.Decide(Submitted.AddHours(1)));
        Assert.Equal(JobState.TimedOut, run.Evaluated(0.5, Submitted.AddMinutes(11)));
    }

    [Fact]
    public void Reaching_the_target_wins_over_the_time_limit()
    {
        var run = Running();

        Assert.Equal(JobState.Completed, run.Evaluated(0.95, Submitted.AddHours(1)));
    }

    [Fact]
    public void Deciding_does_not_change_the_state_by_itself()
    {
        var run = Running();

        run.Decide(Submitted.AddHours(1));

        Assert.Equal(JobState.Running, run.State);
        Assert.False(run.Finished);
    }

    [Fact]
    public void A_run_that_is_not_running_keeps_its_state()
    {
        // within its time limit (after it, see A_job_still_starting_when_its_time_limit_passes_fails_with_what_it_waited_for)
        var starting = NewRun();
        Assert.Equal(JobState.Starting, starting.Decide(Submitted.AddMinutes(5)));
        Assert.Equal(JobState.Starting, starting.Evaluated(0.99, Submitted.AddMinutes(5)));

        var ended = Running();
        ended.End(JobState.Cancelled, "cancelled by the user");
        Assert.Equal(JobState.Cancelled, ended.Decide(Submitted.AddHours(1)));
        Assert.Equal(JobState.Cancelled, ended.Evaluated(0.99, Submitted.AddSeconds(10)));
    }

    [Theory]
    [InlineData(JobState.Completed)]
    [InlineData(JobState.TimedOut)]
    [InlineData(JobState.Failed)]
    [InlineData(JobState.Cancelled)]
    public void Ending_the_run_finishes_it_with_its_message(JobState state)
    {
        var run = Running();

        run.End(state, "why");

        Assert.Equal(state, run.State);
        Assert.Equal("why", run.Message);
        Assert.True(run.Finished);
        Assert.True(run.ToStatus(Submitted.AddMinutes(1)).Finished);
    }

    [Fact]
    public void The_status_shows_every_total()
    {
        var run = Running(startedAfterSeconds: 10);
        run.Placement["node-b"] = [1];
        run.Placement["node-a"] = [0];
        run.SlicesPerNode = new Dictionary<string, int> { ["akka.tcp://et@a:1"] = 2, ["akka.tcp://et@b:1"] = 1 };
        run.Record(Trainer("node-b", 3_000, loss: 0.3, bytes: 300));
        run.Record(Trainer("node-a", 1_000, loss: 0.5, bytes: 100));
        run.Record(Aggregator("local", mergedSent: 12, acknowledged: 9, bytes: 50));
        run.Evaluated(0.42, Submitted.AddSeconds(30));

        var status = run.ToStatus(Submitted.AddSeconds(50));

        Assert.Equal("tiny-1", status.JobId);
        Assert.Equal(JobState.Running, status.State);
        Assert.Equal(0.42, status.Accuracy);
        Assert.Equal(0.4, status.Loss, 12);
        Assert.Equal(4_000, status.Samples);
        Assert.Equal(40, status.ElapsedSeconds, 9);
        Assert.Equal(100, status.SamplesPerSecond, 9);
        Assert.Equal(450, status.BytesSent);
        Assert.Equal(9, status.Updates);
        Assert.Equal(["node-a", "node-b"], status.Trainers.Select(t => t.Node));
        Assert.Single(status.Curve);
        Assert.Equal(2, status.SlicesPerNode.Count);
        Assert.Equal(2, status.SlicesPerNode["akka.tcp://et@a:1"]);
        Assert.Equal(1, status.SlicesPerNode["akka.tcp://et@b:1"]);
        Assert.Null(status.Message);
        Assert.False(status.Finished);
    }

    [Fact]
    public void Before_training_starts_the_status_shows_no_rate()
    {
        var run = NewRun();
        run.Record(Trainer("node-a", 1_000));

        var status = run.ToStatus(Submitted.AddSeconds(20));

        Assert.Equal(JobState.Starting, status.State);
        Assert.Equal(0, status.ElapsedSeconds);
        Assert.Equal(0, status.SamplesPerSecond);
        Assert.Equal(1_000, status.Samples);
    }

    [Fact]
    public void The_status_is_a_copy_that_later_changes_do_not_touch()
    {
        var run = Running();
        var slices = new Dictionary<string, int> { ["a"] = 1 };
        run.SlicesPerNode = slices;
        run.Evaluated(0.1, Submitted.AddSeconds(10));

        var status = run.ToStatus(Submitted.AddSeconds(10));
        slices["a"] = 5;
        slices["b"] = 2;
        run.Evaluated(0.2, Submitted.AddSeconds(20));
        run.Record(Trainer("node-a", 10));

        Assert.Equal(1, Assert.Single(status.SlicesPerNode).Value);
        Assert.Single(status.Curve);
        Assert.Empty(status.Trainers);
    }

    [Fact]
    public void A_starting_job_is_ready_once_placed_every_slice_exists_and_every_region_is_configured()
    {
        var run = NewRun();
        Assert.False(run.ReadyToTrain);

        run.Placement["a"] = [0];
        run.Placement["b"] = [1];
        run.Regions = ["east", "west"];
        Assert.Equal([0, 1, 2], run.SlicesToCreate);
        Assert.Equal(["east", "west"], run.RegionsToConfigure);

        run.SliceCreated(0);
        run.SliceCreated(2);
        run.SliceCreated(2);
        run.RegionConfigured("west");
        Assert.Equal([1], run.SlicesToCreate);
        Assert.Equal(["east"], run.RegionsToConfigure);
        Assert.False(run.ReadyToTrain);

        run.SliceCreated(1);
        run.RegionConfigured("east");
        Assert.True(run.ReadyToTrain);
    }

    [Fact]
    public void A_starting_job_says_what_it_waits_for_and_notes_each_new_reason_once()
    {
        var run = NewRun();

        run.Waiting("no node with the trainer role has registered", Submitted.AddSeconds(1));
        run.Waiting("no node with the trainer role has registered", Submitted.AddSeconds(2));
        run.Waiting("slice 1 was not created within 10 s", Submitted.AddSeconds(3));

        Assert.Equal("waiting: slice 1 was not created within 10 s", run.ToStatus(Submitted.AddSeconds(4)).Message);
        Assert.Equal(2, run.Events.Count);
        Assert.EndsWith("waiting: no node with the trainer role has registered", run.Events[0], StringComparison.Ordinal);

        run.Started(Submitted.AddSeconds(5));
        Assert.Null(run.WaitingFor);
        Assert.Null(run.ToStatus(Submitted.AddSeconds(6)).Message);
    }

    [Fact]
    public void A_job_still_starting_when_its_time_limit_passes_fails_with_what_it_waited_for()
    {
        var run = NewRun();
        run.Waiting("1 of 2 params nodes have registered their shard regions", Submitted.AddSeconds(1));

        Assert.Equal(JobState.Starting, run.Decide(Submitted + Spec.TimeLimit - TimeSpan.FromSeconds(1)));
        Assert.Equal(JobState.Failed, run.Decide(Submitted + Spec.TimeLimit));
        Assert.Equal($"could not start within its time limit of {Spec.TimeLimit}: 1 of 2 params nodes have registered their shard regions", run.StartFailure());
    }

    [Fact]
    public void A_trainer_node_lost_while_starting_unplaces_the_trainers_but_keeps_the_created_slices()
    {
        var run = NewRun();
        run.Placement["a"] = [0];
        run.Placement["b"] = [1];
        run.Regions = ["east"];
        run.RegionConfigured("east");
        run.SliceCreated(0);

        Assert.False(run.Unplace("c"));
        Assert.True(run.Unplace("a"));

        Assert.Empty(run.Placement);
        Assert.Empty(run.Regions);
        Assert.Equal([1, 2], run.SlicesToCreate);
        run.Placement["b"] = [0];
        run.Regions = ["east"];
        Assert.Equal(["east"], run.RegionsToConfigure);
    }

    [Fact]
    public void A_trainer_that_cannot_train_hands_its_partitions_on_and_the_job_fails_when_none_is_left()
    {
        var run = Running();
        run.Placement["a"] = [0];
        run.Placement["b"] = [1];

        Assert.Equal(["b"], run.TrainerFailed("a", "data/train-images-idx3-ubyte.gz: magic number: expected 0x00000803"));
        Assert.Equal([1, 0], run.Placement["b"]);
        Assert.True(run.CannotTrainOn("a"));
        Assert.False(run.CannotTrainOn("b"));
        Assert.Null(run.NoTrainerLeft());

        Assert.Empty(run.TrainerFailed("b", "out of memory"));
        Assert.Equal([1, 0], run.Orphans);
        Assert.Equal("no trainer could train it: a: data/train-images-idx3-ubyte.gz: magic number: expected 0x00000803; b: out of memory", run.NoTrainerLeft());
    }
}
