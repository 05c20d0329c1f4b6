using System.Globalization;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Scheduling;

namespace EdgeTrain.Core.Tests.Scheduling;

public sealed class SchedulerSpec
{
    // ---- priority and the queue ----

    [Fact]
    public void Jobs_are_served_by_priority_then_age()
    {
        var h = new SchedulerHarness();
        h.Submit("c", priority: 1);
        h.Submit("a", priority: 0);
        h.Advance(1);
        h.Submit("b", priority: 1);
        h.Submit("z", priority: 9);
        h.Persist(new JobPaused("z", h.Now, "ops"));

        Assert.Equal(["c", "b", "a"], Scheduler.Served(h.State).Select(j => j.JobId));
    }

    [Fact]
    public void A_higher_priority_job_takes_the_free_slots_first_and_the_other_waits_saying_why()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("low", max: 2);
        h.Submit("high", priority: 5, min: 2, max: 2);

        var decisions = h.Step();

        Assert.Equal(2, decisions.Count);
        var place = Assert.IsType<PlaceJob>(decisions[0]);
        Assert.Equal("high", place.JobId);
        Assert.Equal(["n1", "n2"], place.Nodes);
        var queue = Assert.IsType<QueueJob>(decisions[1]);
        Assert.Equal("low", queue.JobId);
        Assert.Equal("needs 1 trainer(s); 0 of 2 slot(s) free for it; held by high (priority 5, 2)", queue.Why);
        Assert.Equal(JobState.Queued, h.State.Job("low")!.State);
        Assert.Equal(queue.Why, h.State.Job("low")!.WaitingFor);
    }

    [Fact]
    public void A_job_waits_until_its_min_trainers_can_be_held()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a", min: 3);

        var queue = Assert.IsType<QueueJob>(Assert.Single(h.Step()));
        Assert.Equal("needs 3 trainer(s); 2 of 2 slot(s) free for it", queue.Why);

        h.Node("n3");
        var place = Assert.IsType<PlaceJob>(Assert.Single(h.Step()));
        Assert.Equal(["n1", "n2", "n3"], place.Nodes);
        Assert.Equal(3, place.Partitions);
    }

    [Fact]
    public void Without_a_trainer_node_a_job_waits_for_one()
    {
        var h = new SchedulerHarness().Node("params-only", trains: false);
        h.Submit("a");

        var queue = Assert.IsType<QueueJob>(Assert.Single(h.Step()));

        Assert.Equal("no node with the trainer role has registered", queue.Why);
    }

    [Fact]
    public void Trainers_are_placed_on_the_best_scoring_nodes_first()
    {
        var h = new SchedulerHarness().Node("slow", probe: 1).Node("fast", probe: 5).Node("mid", probe: 3);
        h.Submit("a", max: 2);

        var place = Assert.IsType<PlaceJob>(Assert.Single(h.Step()));

        Assert.Equal(["fast", "mid"], place.Nodes);
    }

    // ---- taking trainers from other jobs ----

    [Fact]
    public void A_job_shrinks_a_running_job_of_the_same_priority_down_to_its_minimum()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3", "n4");
        h.Submit("a");
        h.Step();
        h.Submit("b", min: 2, max: 2);

        var decisions = h.Step();

        Assert.Equal(["ShrinkJob a n4", "ShrinkJob a n3", "PlaceJob b n3,n4"], decisions.Select(Text));
        Assert.Equal(["n1", "n2"], h.On("a"));
        Assert.Equal(["n3", "n4"], h.On("b"));
        Assert.Equal([0, 1, 2, 3], h.State.Job("a")!.Placement.Values.SelectMany(p => p).Order());
    }

    [Fact]
    public void A_job_does_not_shrink_another_below_its_minimum()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3", "n4");
        h.Submit("a", min: 3);
        h.Step();
        h.Submit("b", min: 2);

        var decisions = h.Step();

        Assert.IsType<QueueJob>(Assert.Single(decisions));
        Assert.Equal(4, h.On("a").Count);
    }

    [Fact]
    public void A_job_neither_shrinks_nor_preempts_a_job_of_higher_priority()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a", priority: 5);
        h.Step();
        h.Submit("b");

        Assert.IsType<QueueJob>(Assert.Single(h.Step()));
        Assert.Equal(2, h.On("a").Count);
    }

    [Fact]
    public void A_job_preempts_a_lower_one_when_that_reaches_its_minimum()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("low", min: 2, max: 2);
        h.Step();
        h.Submit("high", priority: 1, min: 3);

        var decisions = h.Step();

        Assert.Equal(["PreemptJob low", "PlaceJob high n1,n2,n3"], decisions.Select(Text));
        Assert.Contains("preempted by high (priority 1 over 0)", decisions[0].Why, StringComparison.Ordinal);
        Assert.Equal(JobState.Preempted, h.State.Job("low")!.State);
        Assert.Empty(h.State.Job("low")!.Placement);
    }

    [Fact]
    public void A_job_preempts_nothing_when_that_would_not_reach_its_minimum()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("low", min: 2, max: 2);
        h.Step();
        h.Submit("high", priority: 1, min: 4);

        var queue = Assert.IsType<QueueJob>(Assert.Single(h.Step()));

        Assert.Equal("high", queue.JobId);
        Assert.Equal(["n1", "n2"], h.On("low"));
    }

    [Fact]
    public void A_job_of_higher_priority_grows_into_what_a_lower_one_holds_above_its_minimum()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3", "n4");
        h.Submit("low", min: 2);
        h.Step();
        h.Submit("high", priority: 1, min: 1, max: 3);

        var decisions = h.Step();

        // its minimum from the lower job's spare trainers, then more of them up to the lower job's own minimum
        Assert.Equal(["ShrinkJob low n4", "PlaceJob high n4", "ShrinkJob low n3", "GrowJob high n3"], decisions.Select(Text));
        Assert.Equal(["n1", "n2"], h.On("low"));
        Assert.Equal(["n3", "n4"], h.On("high"));
        Assert.Equal(JobState.Running, h.State.Job("low")!.State);
        Assert.Empty(h.Step());
    }

    [Fact]
    public void A_job_of_the_same_priority_grows_only_into_free_slots()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("a");
        h.Step();
        h.Submit("b", max: 3);

        Assert.Equal(["ShrinkJob a n3", "PlaceJob b n3"], h.Step().Select(Text));
        Assert.Empty(h.Step());
        Assert.Equal(["n1", "n2"], h.On("a"));
    }

    [Fact]
    public void A_job_that_lost_trainers_below_its_minimum_takes_them_from_a_lower_one_or_else_is_preempted()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3", "n4");
        h.Submit("high", priority: 1, min: 2, max: 2);
        h.Submit("low", max: 2);
        h.Step();
        Assert.Equal(["n1", "n2"], h.On("high"));
        Assert.Equal(["n3", "n4"], h.On("low"));

        h.State.Lose("n1", "left", h.Now);
        Assert.Equal(["ShrinkJob low n4", "GrowJob high n4"], h.Step().Select(Text));
        Assert.Equal(["n2", "n4"], h.On("high"));

        h.State.Lose("n4", "left", h.Now);
        var decisions = h.Step();

        Assert.Equal(["PreemptJob low", "GrowJob high n3"], decisions.Select(Text));
        h.State.Lose("n3", "left", h.Now);
        var alone = Assert.Single(h.Step());
        Assert.Equal("PreemptJob high", Text(alone));
        Assert.Contains("holds 1 of its min-trainers 2", alone.Why, StringComparison.Ordinal);
        Assert.Equal(JobState.Preempted, h.State.Job("high")!.State);
    }

    [Fact]
    public void A_job_of_the_same_priority_is_never_preempted()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a", min: 2);
        h.Step();
        h.Submit("b", min: 2);

        Assert.IsType<QueueJob>(Assert.Single(h.Step()));
        Assert.Equal(JobState.Running, h.State.Job("a")!.State);
    }

    [Fact]
    public void A_preempted_job_resumes_when_capacity_returns_but_not_within_the_cooldown()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("low", min: 2, max: 2);
        h.Step();
        h.Submit("high", priority: 1, min: 3, max: 3);
        h.Step();
        h.Advance(1);
        h.Persist(new JobEnded("high", JobState.Cancelled, 0, "cancelled"));

        Assert.Empty(h.Step());
        h.Advance(3.9);
        Assert.Empty(h.Step());
        h.Advance(0.1);

        var place = Assert.IsType<PlaceJob>(Assert.Single(h.Step()));
        Assert.Equal("low", place.JobId);
        Assert.Equal(["n1", "n2"], place.Nodes);
        Assert.Equal(2, place.Partitions);
        Assert.Equal(JobState.Running, h.State.Job("low")!.State);
    }

    [Fact]
    public void A_job_preempted_in_a_round_takes_no_trainers_in_that_round()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3", "n4");
        h.Submit("low", min: 2, max: 2);
        h.Step();
        h.Submit("high", priority: 1, min: 3, max: 3);

        var decisions = h.Step();

        Assert.Equal(["PreemptJob low", "PlaceJob high n1,n2,n3"], decisions.Select(Text));
        Assert.Empty(h.State.Job("low")!.Placement);
        Assert.Empty(h.Step());
    }

    [Fact]
    public void No_job_is_shrunk_when_the_preemption_that_is_needed_anyway_frees_enough()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3", "n4", "n5");
        h.Submit("same", priority: 1, max: 2);
        h.Step();
        h.Submit("low", min: 3, max: 3);
        h.Step();
        h.Submit("new", priority: 1, min: 3, max: 3);

        var decisions = h.Step();

        Assert.Equal(["PreemptJob low", "PlaceJob new n3,n4,n5"], decisions.Select(Text));
        Assert.Equal(["n1", "n2"], h.On("same"));
    }

    [Fact]
    public void A_node_with_a_free_slot_counts_once_towards_a_minimum()
    {
        // n2 has a free slot and a trainer of a: shrinking a on n2 would give b nothing more
        var h = new SchedulerHarness().Node("n1", probe: 10).Node("n2", slots: 2, probe: 1);
        h.Submit("a");
        h.Step();
        h.Submit("b", min: 2, max: 2);

        var decisions = h.Step();

        Assert.Equal(["ShrinkJob a n1", "PlaceJob b n1,n2"], decisions.Select(Text));
        Assert.Equal(["n2"], h.On("a"));
        Assert.Equal(["n1", "n2"], h.On("b"));
    }

    [Fact]
    public void A_node_held_by_two_lower_jobs_counts_once_towards_a_minimum()
    {
        var h = new SchedulerHarness().Node("n1", slots: 2, probe: 10);
        h.Submit("low1", max: 1);
        h.Submit("low2", max: 1);
        h.Step();
        h.Submit("high", priority: 1, min: 2);

        var queue = Assert.IsType<QueueJob>(Assert.Single(h.Step()));

        Assert.Equal("high", queue.JobId);
        Assert.Equal(JobState.Running, h.State.Job("low1")!.State);
        Assert.Equal(JobState.Running, h.State.Job("low2")!.State);
    }

    [Fact]
    public void A_drained_node_is_not_taken_from_one_job_for_another()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a");
        h.Step();
        h.Persist(new NodeDrained("n2", h.Now, "ops"));
        h.Submit("b");

        var decisions = h.Step();

        Assert.Equal(["ShrinkJob a n1", "PlaceJob b n1"], decisions.Select(Text));
        Assert.Equal(["n2"], h.On("a"));
    }

    [Fact]
    public void A_running_job_below_its_minimum_tops_up_from_free_slots()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a", min: 2, max: 2);
        h.Step();
        h.State.Lose("n2", "left", h.Now);
        h.Node("n3");

        var grow = Assert.IsType<GrowJob>(Assert.Single(h.Step()));

        Assert.Equal("n3", grow.Node);
        Assert.Equal("back to its min-trainers", grow.Why);
        Assert.Equal(["n1", "n3"], h.On("a"));
    }

    // ---- capacity ----

    [Fact]
    public void A_job_takes_at_most_its_max_trainers()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3", "n4");
        h.Submit("a", max: 2);

        var place = Assert.IsType<PlaceJob>(Assert.Single(h.Step()));

        Assert.Equal(["n1", "n2"], place.Nodes);
        Assert.Equal(2, place.Partitions);
        Assert.Empty(h.Step());
        h.Submit("b");
        Assert.Equal(["PlaceJob b n3,n4"], h.Step().Select(Text));
    }

    [Fact]
    public void A_job_grows_into_free_capacity_up_to_its_partitions()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Submit("a", max: 4);
        Assert.Equal(4, Assert.IsType<PlaceJob>(Assert.Single(h.Step())).Partitions);

        h.Node("n3");
        Assert.Equal(["GrowJob a n3"], h.Step().Select(Text));
        h.Node("n4").Node("n5");
        Assert.Equal(["GrowJob a n4"], h.Step().Select(Text));

        var job = h.State.Job("a")!;
        Assert.Equal(["n1", "n2", "n3", "n4"], h.On("a"));
        Assert.All(job.Placement.Values, parts => Assert.Single(parts));
        Assert.Empty(h.Step());
    }

    [Fact]
    public void A_drained_node_keeps_its_trainer_but_takes_no_new_job()
    {
        var h = new SchedulerHarness().Node("n1", slots: 2, probe: 10).Node("n2", probe: 5);
        h.Submit("a", max: 1);
        h.Step();
        h.Persist(new NodeDrained("n1", h.Now, "ops"));
        h.Submit("b");

        Assert.Equal(["PlaceJob b n2"], h.Step().Select(Text));
        Assert.Equal(["n1"], h.On("a"));
        Assert.Empty(h.Step());
    }

    [Fact]
    public void A_node_with_two_slots_trains_two_jobs_and_not_three()
    {
        var h = new SchedulerHarness().Node("n1", slots: 2);
        h.Submit("a", max: 1);
        h.Submit("b", max: 1);
        h.Submit("c", max: 1);

        var decisions = h.Step();

        Assert.Equal(["PlaceJob a n1", "PlaceJob b n1", "QueueJob c"], decisions.Select(Text));
        Assert.Equal(["a", "b"], h.State.JobsOn("n1"));
    }

    // ---- stragglers ----

    [Fact]
    public void A_straggler_hands_its_partitions_to_the_fastest_trainer_after_the_window_and_not_before()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("a");
        h.Step();

        var migrations = new List<(int Second, SchedulerDecision Decision)>();
        for (var second = 0; second <= 30; second++)
        {
            h.Advance(second == 0 ? 0 : 1);
            h.Report("a", "n1", 100 * second);
            h.Report("a", "n2", 90 * second);
            h.Report("a", "n3", 10 * second);
            migrations.AddRange(h.Step().Select(d => (second, d)));
        }

        // slow from second 10 (the grace period), moved 15 s later (the window)
        var (at, decision) = Assert.Single(migrations);
        Assert.Equal(25, at);
        Assert.Equal("MigrateTrainer a n3 n1", Text(decision));
        Assert.Equal("10 samples/s against the job's median 90 for 15 s", decision.Why);
        Assert.Equal(["n1", "n2"], h.On("a"));
        Assert.Equal([0, 2], h.State.Job("a")!.Placement["n1"].Order());
        Assert.True(h.State.Job("a")!.CannotTrainOn("n3"));
    }

    [Fact]
    public void A_straggler_hands_nothing_to_a_drained_trainer()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("a");
        h.Step();
        h.Persist(new NodeDrained("n1", h.Now, "ops"));

        var decisions = new List<SchedulerDecision>();
        for (var second = 0; second <= 25; second++)
        {
            h.Advance(second == 0 ? 0 : 1);
            h.Report("a", "n1", 100 * second);
            h.Report("a", "n2", 90 * second);
            h.Report("a", "n3", 10 * second);
            decisions.AddRange(h.Step());
        }

        Assert.Equal(["MigrateTrainer a n3 n2"], decisions.Select(Text));
    }

    [Fact]
    public void A_straggler_moves_to_a_free_node_rather_than_shrink_its_job()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("a", max: 2);
        h.Step();

        var decisions = new List<SchedulerDecision>();
        for (var second = 0; second <= 25; second++)
        {
            h.Advance(second == 0 ? 0 : 1);
            h.Report("a", "n1", 100 * second);
            h.Report("a", "n2", 10 * second);
            decisions.AddRange(h.Step());
        }

        Assert.Equal(["MigrateTrainer a n2 n3"], decisions.Select(Text));
        Assert.Equal(["n1", "n3"], h.On("a"));
    }

    [Fact]
    public void A_straggler_of_a_job_at_its_minimum_moves_to_a_free_node()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("a", min: 2, max: 2);
        h.Step();

        var decisions = new List<SchedulerDecision>();
        for (var second = 0; second <= 25; second++)
        {
            h.Advance(second == 0 ? 0 : 1);
            h.Report("a", "n1", 100 * second);
            h.Report("a", "n2", 10 * second);
            decisions.AddRange(h.Step());
        }

        Assert.Equal(["MigrateTrainer a n2 n3"], decisions.Select(Text));
        Assert.Equal(["n1", "n3"], h.On("a"));
        Assert.Equal([1], h.State.Job("a")!.Placement["n3"]);
    }

    [Fact]
    public void A_slow_trainer_within_the_grace_period_is_not_judged()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("a");
        h.Step();

        for (var second = 0; second <= 9; second++)
        {
            h.Advance(second == 0 ? 0 : 1);
            h.Report("a", "n1", 100 * second);
            h.Report("a", "n2", 100 * second);
            h.Report("a", "n3", second);
        }

        h.Advance(60);
        Assert.Empty(h.Step());
    }

    // ---- the end of a job ----

    [Fact]
    public void A_job_finishes_at_its_target_and_its_trainers_go_to_a_waiting_job_at_once()
    {
        var h = new SchedulerHarness().Nodes("n1");
        h.Submit("a");
        h.Submit("b");
        h.Step();
        h.State.Evaluated("a", 0.93, h.Now);

        var decisions = h.Step();

        Assert.Equal(["FinishJob a Completed", "PlaceJob b n1"], decisions.Select(Text));
        Assert.Equal("", decisions[0].Why);
        Assert.Equal(JobState.Completed, h.State.Job("a")!.State);
        Assert.Equal(0.93, h.State.Job("a")!.Accuracy);
    }

    [Fact]
    public void A_job_finishes_at_its_time_limit()
    {
        var h = new SchedulerHarness().Nodes("n1");
        h.Submit("a", limit: TimeSpan.FromSeconds(30));
        h.Step();
        h.Advance(29);
        Assert.Empty(h.Step());
        h.Advance(1);

        var finish = Assert.IsType<FinishJob>(Assert.Single(h.Step()));

        Assert.Equal(JobState.TimedOut, finish.State);
        Assert.Equal("", finish.Why);
    }

    [Fact]
    public void A_job_still_starting_at_its_time_limit_fails_saying_what_it_waited_for()
    {
        var h = new SchedulerHarness().Nodes("n1");
        h.Submit("a", limit: TimeSpan.FromSeconds(30));
        h.Step(start: false);
        h.State.StartWaiting("a", "slice 3 of 4 not created", h.Now);
        h.Advance(30);

        var finish = Assert.IsType<FinishJob>(Assert.Single(h.Step()));

        Assert.Equal(JobState.Failed, finish.State);
        Assert.Contains("slice 3 of 4 not created", finish.Why, StringComparison.Ordinal);
    }

    // ---- purity ----

    [Fact]
    public void The_same_state_and_time_give_the_same_decisions()
    {
        var first = Busy(out var firstRounds);
        var second = Busy(out var secondRounds);

        Assert.Equal(firstRounds, secondRounds);
        Assert.Contains(firstRounds, r => r.Contains("PreemptJob", StringComparison.Ordinal));
        Assert.Contains(firstRounds, r => r.Contains("MigrateTrainer", StringComparison.Ordinal));
        Assert.Equal(Round(first.Decide()), Round(first.Decide()));
        Assert.Equal(Round(first.Decide()), Round(second.Decide()));
    }

    // A cluster of 2-slot and 1-slot nodes with jobs of mixed priorities, nodes that come and go, and stragglers.
    private static SchedulerHarness Busy(out List<string> rounds)
    {
        var h = new SchedulerHarness();
        var random = new Random(7);
        rounds = [];
        for (var i = 0; i < 12; i++)
        {
            h.Node($"n{i:00}", slots: 1 + (i % 3 == 0 ? 1 : 0), probe: 1 + random.Next(5));
        }

        var samples = new Dictionary<(string Job, string Node), long>();
        for (var second = 0; second < 90; second++)
        {
            if (second % 10 == 0 && second < 60)
            {
                // j0 takes every node, j1 shrinks it, j3 preempts what it must
                var (priority, min, max) = (second / 10) switch
                {
                    0 => (0, 6, 0),
                    1 => (0, 3, 5),
                    2 => (1, 4, 6),
                    3 => (2, 10, 0),
                    4 => (0, 1, 2),
                    _ => (1, 2, 3),
                };
                h.Submit($"j{second / 10}", priority, min, max);
            }

            if (second == 40)
            {
                h.State.Lose("n03", "left", h.Now);
            }

            if (second == 50)
            {
                h.Node("n12", slots: 2, probe: 3);
            }

            foreach (var job in h.State.Jobs.Where(j => j.State == JobState.Running))
            {
                foreach (var node in job.Placement.Keys.ToList())
                {
                    var rate = node == "n05" ? 5 : 100 + (int.Parse(node[1..], CultureInfo.InvariantCulture) % 7);
                    samples[(job.JobId, node)] = samples.GetValueOrDefault((job.JobId, node)) + rate;
                    h.Report(job.JobId, node, samples[(job.JobId, node)], $"{node}/{job.StateSinceUtc:O}");
                }

                if (job.Samples > 40_000)
                {
                    h.State.Evaluated(job.JobId, 0.95, h.Now);
                }
            }

            rounds.Add(Round(h.Step()));
            h.Advance(1);
        }

        return h;
    }

    private static string Round(IReadOnlyList<SchedulerDecision> decisions) =>
        string.Join("; ", decisions.Select(d => $"{Text(d)} ({d.Why})"));

    private static string Text(SchedulerDecision decision) => decision switch
    {
        PlaceJob p => $"PlaceJob {p.JobId} {string.Join(",", p.Nodes)}",
        GrowJob g => $"GrowJob {g.JobId} {g.Node}",
        ShrinkJob s => $"ShrinkJob {s.JobId} {s.Node}",
        PreemptJob p => $"PreemptJob {p.JobId}",
        MigrateTrainer m => $"MigrateTrainer {m.JobId} {m.From} {m.To}",
        QueueJob q => $"QueueJob {q.JobId}",
        FinishJob f => $"FinishJob {f.JobId} {f.State}",
        _ => decision.ToString(),
    };
}
