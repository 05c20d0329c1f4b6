using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Privacy;
using EdgeTrain.Core.Scheduling;
using EdgeTrain.Core.Tests.Scheduling;

namespace EdgeTrain.Core.Tests.Privacy;

/// <summary>What a DP job's partitions have spent, as the coordinator keeps it from the trainers' reports.</summary>
public sealed class PrivacyLedgerSpec
{
    private static readonly PrivacySpec Dp = new(PrivacyMode.Example, Clip: 1, NoiseMultiplier: 1.1, Delta: 1e-5, TargetEpsilon: 3);

    private static PrivacySpent After(long steps, double q = 0.02) => RdpAccountant.Empty.Step(q, 1.1, steps).Spent;

    private static JobRecord DpJob(SchedulerHarness h)
    {
        h.Persist(new JobSubmitted("dp", SchedulerHarness.Spec("dp") with { Privacy = Dp }, [100, 100], h.Now));
        return h.State.Job("dp")!;
    }

    private static TrainerReport Report(string node, long samples, PrivacyReport privacy) =>
        new(node, "r1", samples, 0.5, 1, 1, 1, 0, 1, 1) { Privacy = privacy };

    [Fact]
    public void The_job_s_epsilon_is_its_worst_partition_s_and_a_new_trainer_starts_from_what_its_partitions_spent()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        var job = DpJob(h);
        Assert.Equal(0, job.Epsilon);

        h.State.Record("dp", Report("n1", 100, new PrivacyReport([0, 1], After(500), false)), "t1", h.Now, h.Options);
        h.State.Record("dp", Report("n2", 100, new PrivacyReport([2], After(100), false)), "t2", h.Now, h.Options);

        var worst = After(500).Epsilon(1e-5);
        Assert.Equal(worst, job.Epsilon!.Value, 9);
        Assert.Equal(500, job.PrivacySpent!.Steps);
        // partition 1 moves to n2, who holds 2 as well: it starts from the larger history
        Assert.Equal(After(500).Rdp, job.PrivacyOf([1, 2])!.Rdp);
        Assert.Equal(After(100).Rdp, job.PrivacyOf([2])!.Rdp);
        Assert.Equal(0, job.PrivacyOf([7])!.Steps); // never trained
    }

    [Fact]
    public void An_older_report_never_lowers_what_a_partition_spent()
    {
        var h = new SchedulerHarness().Nodes("n1");
        var job = DpJob(h);

        h.State.Record("dp", Report("n1", 200, new PrivacyReport([0], After(300), false)), "t1", h.Now, h.Options);
        h.State.Record("dp", Report("n1", 300, new PrivacyReport([0], After(50), false)), "t9", h.Now, h.Options);

        Assert.Equal(300, job.PrivacySpent!.Steps);
    }

    [Fact]
    public void A_job_without_differential_privacy_has_no_epsilon()
    {
        var h = new SchedulerHarness().Nodes("n1");
        var job = h.Submit("plain");

        Assert.Null(job.Epsilon);
        Assert.Null(job.PrivacyOf([0]));
    }

    [Fact]
    public void An_accountant_travels_as_what_it_spent_and_refuses_a_malformed_one()
    {
        var spent = RdpAccountant.Empty.Step(0.05, 0.9, 40);

        Assert.Equal(spent.Epsilon(1e-5), RdpAccountant.From(spent.Spent).Epsilon(1e-5));
        Assert.Equal(40, RdpAccountant.From(spent.Spent).Steps);
        Assert.Throws<ArgumentException>(() => RdpAccountant.From(new PrivacySpent(3, [1, 2])));
        Assert.Throws<ArgumentException>(() => RdpAccountant.From(new PrivacySpent(3, [.. Enumerable.Repeat(double.NaN, 63)])));
        Assert.Contains("(target 3) after 1,200 steps", new PrivacyStatus(2.5, 1e-5, 3, 1200).Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_lease_grants_the_steps_that_keep_epsilon_within_the_target_and_reserves_them_as_spent()
    {
        var start = RdpAccountant.Empty.Step(0.02, 1.1, 300);
        var lease = PrivacyLease.Decide(start, 0.02, 1_000, Dp);

        Assert.InRange(lease.Steps, 1, 999);
        Assert.True(start.Step(0.02, 1.1, lease.Steps).Epsilon(1e-5).Epsilon <= 3);
        Assert.True(start.Step(0.02, 1.1, lease.Steps + 1).Epsilon(1e-5).Epsilon > 3);
        Assert.Equal(300 + lease.Steps, lease.Reserved.Steps);
        Assert.Equal(32, PrivacyLease.Decide(start, 0.02, 32, Dp with { TargetEpsilon = 0 }).Steps); // no target: all

        var spent = RdpAccountant.From(lease.Reserved);
        Assert.Equal(0, PrivacyLease.Decide(spent, 0.02, 32, Dp).Steps);
        Assert.Throws<ArgumentOutOfRangeException>(() => PrivacyLease.Decide(start, 1.5, 32, Dp));
    }

    [Fact]
    public void A_persisted_lease_is_what_the_partitions_spent_after_a_restart()
    {
        var h = new SchedulerHarness().Nodes("n1");
        DpJob(h);
        h.Persist(new PrivacyLeased("dp", [0, 3], After(64), h.Now));

        var recovered = new CoordinatorState();
        foreach (var e in h.Journal)
        {
            recovered.Apply(e, h.Now);
        }

        Assert.Equal(64, recovered.Job("dp")!.PrivacyOf([3])!.Steps);
        Assert.Equal(After(64).Epsilon(1e-5), recovered.Job("dp")!.Epsilon!.Value, 9);
    }
}
