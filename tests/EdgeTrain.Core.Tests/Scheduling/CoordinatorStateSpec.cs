using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Scheduling;

namespace EdgeTrain.Core.Tests.Scheduling;

public sealed class CoordinatorStateSpec
{
    private static readonly DateTime T0 = SchedulerHarness.T0;

    // ---- persisted events through Apply ----

    [Fact]
    public void A_submitted_job_waits_in_the_queue_with_its_priority()
    {
        var h = new SchedulerHarness();
        var job = h.Submit("a", priority: 3, min: 2);

        Assert.Same(job, Assert.Single(h.State.Jobs));
        Assert.Equal(JobState.Queued, job.State);
        Assert.Equal(3, job.Priority);
        Assert.Equal(T0, job.SubmittedUtc);
        Assert.Equal("waiting for the scheduler", job.WaitingFor);
        Assert.Equal("b-2", h.State.NextJobId(SchedulerHarness.Spec("b")));
        Assert.NotNull(h.State.Refusal(SchedulerHarness.Spec("a")));
    }

    [Fact]
    public void A_submission_applied_twice_is_one_job()
    {
        var h = new SchedulerHarness();
        h.Submit("a");
        h.State.Apply(h.Journal[0], T0.AddSeconds(5));

        Assert.Single(h.State.Jobs);
    }

    [Fact]
    public void A_job_ends_with_its_state_message_and_accuracy_and_ends_once()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a");
        h.Step();
        h.State.Evaluated("a", 0.5, h.Now);

        h.Persist(new JobEnded("a", JobState.Cancelled, 0.5, "cancelled by ops"));
        h.Persist(new JobEnded("a", JobState.Completed, 0.99, "late"));

        var job = h.State.Job("a")!;
        Assert.Equal(JobState.Cancelled, job.State);
        Assert.Equal("cancelled by ops", job.Message);
        Assert.Equal(0.5, job.Accuracy);
        Assert.Empty(job.Placement);
        Assert.Null(h.State.Refusal(SchedulerHarness.Spec("a")));
    }

    [Fact]
    public void A_paused_job_gives_up_its_trainers_and_the_pause_does_not_count_against_its_time_limit()
    {
        var h = new SchedulerHarness().Nodes("n1");
        h.Submit("a");
        h.Step();
        h.Advance(10);
        h.Persist(new JobPaused("a", h.Now, "ops"));
        h.Advance(100);

        var job = h.State.Job("a")!;
        Assert.Equal(JobState.Paused, job.State);
        Assert.Empty(job.Placement);
        Assert.Empty(h.Decide());
        Assert.Equal(TimeSpan.FromSeconds(10), job.Counted(h.Now));

        h.Persist(new JobResumed("a", h.Now, "ops"));
        Assert.Equal(JobState.Queued, job.State);
        Assert.IsType<PlaceJob>(Assert.Single(h.Step()));
        h.Advance(5);
        Assert.Equal(TimeSpan.FromSeconds(15), job.Counted(h.Now));
    }

    [Fact]
    public void Resuming_a_job_that_is_not_paused_changes_nothing()
    {
        var h = new SchedulerHarness().Nodes("n1");
        h.Submit("a");
        h.Step();

        h.Persist(new JobResumed("a", h.Now, "ops"));

        Assert.Equal(JobState.Running, h.State.Job("a")!.State);
        Assert.Equal(["n1"], h.On("a"));
    }

    [Fact]
    public void Pausing_a_finished_job_changes_nothing()
    {
        var h = new SchedulerHarness();
        h.Submit("a");
        h.Persist(new JobEnded("a", JobState.Cancelled, 0, null));

        h.Persist(new JobPaused("a", h.Now, "ops"));

        Assert.Equal(JobState.Cancelled, h.State.Job("a")!.State);
    }

    [Fact]
    public void A_priority_change_is_kept_and_noted()
    {
        var h = new SchedulerHarness();
        h.Submit("a", priority: 1);

        h.Persist(new JobPriorityChanged("a", 7, h.Now, "ops"));

        var job = h.State.Job("a")!;
        Assert.Equal(7, job.Priority);
        Assert.Contains(job.Events, e => e.Contains("priority 1 -> 7 by ops", StringComparison.Ordinal));
    }

    [Fact]
    public void A_drained_node_is_known_as_draining()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");

        h.Persist(new NodeDrained("n2", h.Now, "ops"));

        Assert.True(h.State.Draining("n2"));
        Assert.False(h.State.Draining("n1"));
    }

    [Fact]
    public void Checkpoints_are_kept_in_the_order_they_were_taken()
    {
        var h = new SchedulerHarness();
        h.Submit("a");

        h.Persist(new CheckpointTaken("a", 1, T0.AddSeconds(1), null, [3, 4], [100, 100], 0xAB));
        h.Persist(new CheckpointTaken("a", 2, T0.AddSeconds(2), "best", [5, 6], [100, 100], 0xCD));
        h.Persist(new CheckpointTaken("nobody", 1, T0.AddSeconds(2), null, [], [], 0));

        var checkpoints = h.State.Job("a")!.Checkpoints;
        Assert.Equal([1L, 2L], checkpoints.Select(c => c.Id));
        Assert.Equal("best", checkpoints[1].Label);
        Assert.Equal([5L, 6L], checkpoints[1].Versions);
        Assert.Equal(0xCDu, checkpoints[1].ContentHash);
    }

    [Fact]
    public void Replaying_the_journal_gives_the_state_the_live_coordinator_persisted()
    {
        var live = new SchedulerHarness().Nodes("n1", "n2", "n3");
        live.Submit("a", priority: 1, min: 2);
        live.Step();
        live.Submit("b", min: 1, max: 1);
        live.Submit("c", min: 1, max: 1);
        live.Step();
        live.Advance(3);
        live.Report("a", "n1", 300);
        live.State.Evaluated("a", 0.95, live.Now);
        live.Persist(new CheckpointTaken("a", 1, live.Now, "end", [9, 9], [100, 100], 7));
        live.Step();
        live.Persist(new JobPriorityChanged("c", 2, live.Now, "ops"));
        live.Persist(new JobPaused("b", live.Now, "ops"));
        live.Persist(new NodeDrained("n3", live.Now, "ops"));
        live.Step();

        var replayed = new CoordinatorState();
        foreach (var e in live.Journal)
        {
            replayed.Apply(e, T0.AddHours(1));
        }

        Assert.Equal(Persisted(live.State), Persisted(replayed));
        Assert.Equal(JobState.Completed, replayed.Job("a")!.State);
        Assert.Equal(0.95, replayed.Job("a")!.Accuracy);
        Assert.Equal(JobState.Paused, replayed.Job("b")!.State);
        // what the nodes told the live coordinator they learn again: a running job waits to be placed
        Assert.Equal(JobState.Running, live.State.Job("c")!.State);
        Assert.Equal(JobState.Queued, replayed.Job("c")!.State);
    }

    private static string Persisted(CoordinatorState state) => string.Join(" | ",
        state.Jobs.Select(j => string.Join(",",
            j.JobId, j.Spec.Name, j.Priority, j.SubmittedUtc.ToString("O"),
            j.Finished || j.State == JobState.Paused ? j.State.ToString() : "unfinished",
            j.Finished ? j.Message : "", j.Finished ? j.Accuracy : 0,
            string.Join("/", j.Checkpoints.Select(c => $"{c.Id}:{c.Label}:{string.Join(".", c.Versions)}:{c.ContentHash}")))))
        + " | drained " + string.Join(",", new[] { "n1", "n2", "n3" }.Where(state.Draining));

    // ---- nodes ----

    [Fact]
    public void Registering_tells_a_new_node_from_a_known_one()
    {
        var state = new CoordinatorState();
        var node = new TrainerNode("n1", "r1", true, 1, 1, true, true);

        Assert.True(state.Register(node));
        Assert.False(state.Register(node with { Slots = 2 }));
        Assert.Equal(2, state.Nodes["n1"].Slots);
    }

    [Fact]
    public void A_lost_node_hands_its_partitions_to_the_other_trainers_of_each_job()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("a");
        h.Step();
        Assert.Equal(3, h.State.Job("a")!.Partitions);

        var changes = h.State.Lose("n2", "left", h.Now);

        var job = h.State.Job("a")!;
        Assert.Equal(["n1", "n3"], h.On("a"));
        Assert.Equal([0, 1, 2], job.Placement.Values.SelectMany(p => p).Order());
        var change = Assert.Single(changes);
        Assert.Single(change.Train);
        Assert.Empty(change.Stop);
        Assert.Equal(JobState.Running, job.State);
        Assert.False(h.State.Nodes.ContainsKey("n2"));
        Assert.Empty(h.State.JobsOn("n2"));
    }

    [Fact]
    public void A_job_that_loses_its_last_trainer_goes_back_to_the_queue()
    {
        var h = new SchedulerHarness().Nodes("n1");
        h.Submit("a");
        h.Step();

        var change = Assert.Single(h.State.Lose("n1", "was downed", h.Now));

        var job = h.State.Job("a")!;
        Assert.Equal(JobState.Queued, job.State);
        Assert.Empty(job.Placement);
        Assert.Empty(change.Train);
        Assert.Contains("n1 was downed", job.WaitingFor, StringComparison.Ordinal);
        Assert.Empty(h.State.Lose("n1", "again", h.Now));
    }

    // ---- trainers ----

    [Fact]
    public void A_trainer_that_cannot_train_hands_its_partitions_over_and_never_gets_the_job_again()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a");
        h.Step();

        var change = h.State.TrainerFailed("a", "n1", "no data", h.Now);

        var job = h.State.Job("a")!;
        Assert.Equal(["n2"], h.On("a"));
        Assert.Equal([0, 1], job.Placement["n2"].Order());
        Assert.Equal(["n2"], change.Train);
        Assert.True(job.CannotTrainOn("n1"));
        Assert.Null(job.NoTrainerLeft());
        Assert.Empty(h.Step());
    }

    [Fact]
    public void A_job_whose_last_trainer_fails_goes_back_to_the_queue_and_trains_elsewhere()
    {
        var h = new SchedulerHarness().Nodes("n1");
        h.Submit("a", max: 1);
        h.Step();
        h.Node("n2");

        h.State.TrainerFailed("a", "n1", "model does not load", h.Now);

        var job = h.State.Job("a")!;
        Assert.Equal(JobState.Queued, job.State);
        Assert.Contains("n1: model does not load", job.WaitingFor, StringComparison.Ordinal);
        var place = Assert.IsType<PlaceJob>(Assert.Single(h.Step()));
        Assert.Equal(["n2"], place.Nodes);
    }

    [Fact]
    public void A_job_that_no_registered_node_can_train_fails_naming_each_node()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a");
        h.Step();

        h.State.TrainerFailed("a", "n1", "no data", h.Now);
        h.State.TrainerFailed("a", "n2", "no torch", h.Now);

        var finish = Assert.IsType<FinishJob>(Assert.Single(h.Step()));
        Assert.Equal(JobState.Failed, finish.State);
        Assert.Contains("n1: no data", finish.Why, StringComparison.Ordinal);
        Assert.Contains("n2: no torch", finish.Why, StringComparison.Ordinal);
        Assert.Equal(JobState.Failed, h.State.Job("a")!.State);
    }

    [Fact]
    public void Each_trainer_incarnation_counts_and_an_older_report_of_one_is_ignored()
    {
        var h = new SchedulerHarness().Nodes("n1");
        h.Submit("a");
        h.Step();

        h.Report("a", "n1", 100, "t1");
        h.Advance(1);
        h.Report("a", "n1", 50, "t2");
        h.Report("a", "n1", 80, "t1");

        var job = h.State.Job("a")!;
        Assert.Equal(150, job.Samples);
        Assert.Equal(15, job.Contributions("n1"));
        Assert.Equal(h.Now, job.LastContribution("n1"));
        Assert.Equal(150, job.Speeds["n1"].LastSamples);
        Assert.Equal(100, job.Speeds["n1"].FirstSamples);
        Assert.Equal(50, job.Speeds["n1"].SamplesPerSecond);
    }

    [Fact]
    public void A_report_of_a_node_that_trains_no_longer_counts_but_gives_it_no_speed()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a");
        h.Step();
        h.State.Lose("n2", "left", h.Now);

        h.Report("a", "n2", 40);
        h.Report("nobody", "n1", 40);

        var job = h.State.Job("a")!;
        Assert.Equal(40, job.Samples);
        Assert.False(job.Speeds.ContainsKey("n2"));
    }

    [Fact]
    public void A_trainer_far_below_the_median_is_a_straggler_only_after_the_grace_period_and_until_it_catches_up()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("a");
        h.Step();
        var job = h.State.Job("a")!;
        for (var s = 0; s <= 9; s++)
        {
            Report(s);
        }

        Assert.All(job.Speeds.Values, speed => Assert.Null(speed.SlowSinceUtc));
        Report(10);
        Assert.Equal(h.Now, job.Speeds["n3"].SlowSinceUtc);
        Assert.Null(job.Speeds["n1"].SlowSinceUtc);
        var since = h.Now;
        Report(11);
        Assert.Equal(since, job.Speeds["n3"].SlowSinceUtc);

        h.Advance(1);
        h.Report("a", "n3", 5_000);
        Assert.Null(job.Speeds["n3"].SlowSinceUtc);

        void Report(int second)
        {
            h.Advance(second == 0 ? 0 : 1);
            h.Report("a", "n1", 100 * second);
            h.Report("a", "n2", 90 * second);
            h.Report("a", "n3", 10 * second);
        }
    }

    [Fact]
    public void The_median_speed_counts_trainers_past_the_grace_period_only()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("a");
        h.Step();
        h.Report("a", "n1", 0);
        h.Report("a", "n2", 0);
        h.Advance(20);
        h.Report("a", "n1", 2_000);
        h.Report("a", "n2", 4_000);
        h.Report("a", "n3", 0);
        h.Advance(1);
        h.Report("a", "n3", 10_000);

        Assert.Equal(150, Scheduler.MedianSpeed(h.State.Job("a")!, h.Options));
    }

    // ---- carrying out decisions ----

    [Fact]
    public void A_placed_job_starts_its_slices_first_and_then_all_its_trainers()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a");
        var place = Assert.IsType<PlaceJob>(Assert.Single(h.Decide()));

        var placed = h.State.Execute(place, h.Now);

        Assert.True(placed.StartJob);
        Assert.Empty(placed.Train);
        Assert.Equal(JobState.Starting, h.State.Job("a")!.State);
        var started = h.State.Started("a", h.Now);
        Assert.Equal(["n1", "n2"], started.Train.Order(StringComparer.Ordinal));
        Assert.Equal(JobState.Running, h.State.Job("a")!.State);
        Assert.Empty(h.State.Started("a", h.Now).Train);
    }

    [Fact]
    public void A_preempted_job_stops_every_trainer_and_keeps_its_partitions_count()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a");
        h.Step();

        var change = h.State.Execute(new PreemptJob("a", "for b"), h.Now);

        var job = h.State.Job("a")!;
        Assert.Equal(["n1", "n2"], change.Stop.Order(StringComparer.Ordinal));
        Assert.Equal(JobState.Preempted, job.State);
        Assert.Empty(job.Placement);
        Assert.Equal(2, job.Partitions);
    }

    [Fact]
    public void A_shrunk_job_stops_the_trainer_and_its_partitions_move()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a");
        h.Step();

        var change = h.State.Execute(new ShrinkJob("a", "n2", "for b"), h.Now);

        Assert.Equal(["n2"], change.Stop);
        Assert.Equal(["n1"], change.Train);
        Assert.Equal([0, 1], h.State.Job("a")!.Placement["n1"].Order());
    }

    [Fact]
    public void A_straggler_migrating_to_a_new_node_hands_it_all_its_partitions()
    {
        // one partition per trainer: the new node can take none from the others, only the straggler's
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a", max: 2);
        h.Step();
        h.Node("n9");

        var change = h.State.Execute(new MigrateTrainer("a", "n2", "n9", "slow"), h.Now);

        var job = h.State.Job("a")!;
        Assert.Equal(["n1", "n9"], h.On("a"));
        Assert.Equal([1], job.Placement["n9"]);
        Assert.Equal(["n9"], change.Train);
        Assert.Equal(["n2"], change.Stop);
        Assert.True(job.CannotTrainOn("n2"));
    }

    [Fact]
    public void A_straggler_migrating_to_another_trainer_of_the_job_hands_it_its_partitions()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("a");
        h.Step();

        var change = h.State.Execute(new MigrateTrainer("a", "n3", "n1", "slow"), h.Now);

        Assert.Equal([0, 2], h.State.Job("a")!.Placement["n1"].Order());
        Assert.Equal(["n1"], change.Train);
        Assert.Equal(["n3"], change.Stop);
    }

    [Fact]
    public void A_decision_for_a_finished_or_unknown_job_changes_nothing()
    {
        var h = new SchedulerHarness().Nodes("n1");
        h.Submit("a");
        h.Persist(new JobEnded("a", JobState.Cancelled, 0, null));

        var change = h.State.Execute(new PlaceJob("a", ["n1"], 1, "late"), h.Now);

        Assert.Empty(change.Train);
        Assert.False(change.StartJob);
        Assert.Equal(JobState.Cancelled, h.State.Job("a")!.State);
        Assert.False(h.State.Execute(new PlaceJob("nobody", ["n1"], 1, "?"), h.Now).StartJob);
    }

    [Fact]
    public void A_placement_is_described_by_its_first_trainers_and_how_many_more()
    {
        var h = new SchedulerHarness();
        for (var i = 0; i < 20; i++)
        {
            h.Node($"n{i:00}", probe: 100 - i);
        }

        h.Submit("a");
        h.Step();

        var text = CoordinatorState.Describe(h.State.Job("a")!);

        Assert.StartsWith("n00 [0]; n01 [1]; ", text, StringComparison.Ordinal);
        Assert.EndsWith("n15 [15]; and 4 more trainers", text, StringComparison.Ordinal);
        Assert.Contains(h.State.Job("a")!.Events, e => e.Contains("placed on n00, n01,", StringComparison.Ordinal) && e.Contains("n15 and 4 more:", StringComparison.Ordinal));
    }

    [Fact]
    public void Time_queued_does_not_count_against_the_time_limit()
    {
        var h = new SchedulerHarness();
        var job = h.Submit("a", limit: TimeSpan.FromSeconds(30));
        h.Advance(100);
        h.Nodes("n1");
        h.Step();
        h.Advance(20);

        Assert.Equal(TimeSpan.FromSeconds(20), job.Counted(h.Now));
        Assert.Equal(20, job.Elapsed(h.Now));
        Assert.Equal(JobState.Running, job.Decide(h.Now));
        h.Advance(10);
        Assert.Equal(JobState.TimedOut, job.Decide(h.Now));
    }
}
