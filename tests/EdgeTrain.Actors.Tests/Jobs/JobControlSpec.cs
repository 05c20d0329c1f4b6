using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Membership;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Actors.Tests.Jobs;

/// <summary>Pause, resume and cancel of a job, and the per-node activity behind <c>edgetrain-cmd node list</c>.</summary>
public sealed class JobControlSpec
{
    private static readonly DateTime Submitted = new(2025, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    private static readonly JobSpec Spec = TestJobs.Tiny;

    private static JobRun Running()
    {
        var run = new JobRun("tiny-1", Spec, [1000, 1000], Submitted);
        run.Placement["node-a"] = [0];
        run.Started(Submitted.AddSeconds(5));
        return run;
    }

    private static TrainerProgress Trainer(string node, long samples, long contributions) =>
        new("tiny-1", node, "eu", samples, 0.5, contributions, samples * 10, samples / 100.0, 0);

    [Fact]
    public void Only_a_running_job_pauses_only_a_paused_one_resumes_and_an_ended_one_takes_nothing()
    {
        var starting = new JobRun("tiny-1", Spec, [1000], Submitted);
        var running = Running();
        var ended = Running();
        ended.End(JobState.Completed, null);

        Assert.Contains("is starting", starting.Refusal(JobControl.Pause), StringComparison.Ordinal);
        Assert.Null(starting.Refusal(JobControl.Cancel));
        Assert.Null(running.Refusal(JobControl.Pause));
        Assert.Contains("is not paused", running.Refusal(JobControl.Resume), StringComparison.Ordinal);
        running.Pause(Submitted.AddMinutes(1));
        Assert.Contains("already paused", running.Refusal(JobControl.Pause), StringComparison.Ordinal);
        Assert.Null(running.Refusal(JobControl.Resume));
        Assert.Null(running.Refusal(JobControl.Cancel));
        Assert.All(Enum.GetValues<JobControl>(), a => Assert.Contains("already ended (Completed)", ended.Refusal(a), StringComparison.Ordinal));
    }

    [Fact]
    public void Time_paused_counts_neither_against_the_time_limit_nor_as_training_time()
    {
        var run = Running();
        run.Pause(Submitted.AddMinutes(5));

        Assert.Equal(JobState.Paused, run.Decide(Submitted.AddMinutes(30)));
        Assert.Equal(295, run.Elapsed(Submitted.AddMinutes(30)), 6);

        run.Resume(Submitted.AddMinutes(30));

        Assert.Equal(JobState.Running, run.State);
        Assert.Equal(TimeSpan.FromMinutes(25), run.PausedFor);
        Assert.Equal(JobState.Running, run.Decide(Submitted.AddMinutes(34)));
        Assert.Equal(JobState.TimedOut, run.Decide(Submitted.AddMinutes(35)));
        Assert.Equal(295 + 60, run.Elapsed(Submitted.AddMinutes(31)), 6);
    }

    [Fact]
    public void A_job_paused_before_this_coordinator_placed_its_trainers_resumes_by_starting_again()
    {
        // a coordinator that recovered the job from its journal while it was paused
        var recovered = new JobRun("tiny-1", Spec, [1000], Submitted);
        recovered.Pause(Submitted.AddMinutes(1));

        recovered.Resume(Submitted.AddMinutes(2));

        Assert.Equal(JobState.Starting, recovered.State);
    }

    [Fact]
    public void A_trainer_started_again_after_a_pause_adds_to_what_its_node_had_done()
    {
        var run = Running();
        run.Record(Trainer("node-a", 1_000, 10), "trainer#1");
        run.Record(Trainer("node-a", 1_200, 12), "trainer#1"); // its last report as it stopped
        run.Record(Trainer("node-a", 300, 3), "trainer#2");
        run.Record(Trainer("node-a", 1_100, 11), "trainer#1"); // a late, older report of the first one

        Assert.Equal(1_500, run.Samples);
        Assert.Equal(15, run.Contributions("node-a"));
        Assert.Equal(15_000, Assert.Single(run.ToStatus(Submitted.AddMinutes(1)).Trainers).BytesSent);
    }

    [Fact]
    public void A_nodes_last_contribution_is_when_its_count_of_contributions_last_grew()
    {
        var run = Running();
        run.Record(Trainer("node-a", 100, 1), "t", Submitted.AddSeconds(10));
        run.Record(Trainer("node-a", 200, 2), "t", Submitted.AddSeconds(20));
        run.Record(Trainer("node-a", 200, 2), "t", Submitted.AddSeconds(30));

        Assert.Equal(Submitted.AddSeconds(20), run.LastContribution("node-a"));
        Assert.Null(run.LastContribution("node-b"));
    }

    [Fact]
    public void A_slice_records_when_its_version_last_moved()
    {
        var run = Running();
        run.SliceAnswered(1, 5, Submitted.AddSeconds(1));
        run.SliceAnswered(1, 5, Submitted.AddSeconds(2));
        run.SliceAnswered(7, 9, Submitted.AddSeconds(2)); // no such slice

        Assert.Equal(Submitted.AddSeconds(1), run.Slices[1].LastUpdatedUtc);
        Assert.Equal(Submitted.AddSeconds(2), run.Slices[1].LastAnsweredUtc);
        Assert.Equal(DateTime.MinValue, run.Slices[0].LastUpdatedUtc);
    }

    [Fact]
    public void Node_activity_adds_up_every_jobs_contributions_and_takes_the_latest()
    {
        var capabilities = new NodeCapabilities(2, 1L << 30, true, null, false, 0, 10, 1L << 30, "test");
        RegisterNode[] nodes =
        [
            new("node-b", "us", ["params"], capabilities, null),
            new("node-a", "eu", ["trainer"], capabilities, null),
        ];
        var first = Running();
        var second = Running();
        first.Record(Trainer("node-a", 100, 4), "t1", Submitted.AddSeconds(10));
        second.Record(Trainer("node-a", 100, 6), "t2", Submitted.AddSeconds(40));

        var activity = NodeActivities.Of(nodes, [first, second]);

        Assert.Equal(["node-a", "node-b"], activity.Select(a => a.Address));
        Assert.Equal(10, activity[0].Contributions);
        Assert.Equal(Submitted.AddSeconds(40), activity[0].LastContributionUtc);
        Assert.Equal(0, activity[1].Contributions);
        Assert.Null(activity[1].LastContributionUtc);
    }
}
