using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Scheduling;

namespace EdgeTrain.Core.Tests.Scheduling;

/// <summary>The audit log in the coordinator's state: what each event records, and the log through Apply on replay and live.</summary>
public sealed class CoordinatorAuditSpec : IDisposable
{
    private const string Ops = "edgetrain-cmd (ipv4:10.0.0.9:51234)";
    private readonly AuditSigner key = AuditSigner.Create();

    public void Dispose() => key.Dispose();

    [Fact]
    public void Every_persisted_operation_records_who_what_and_to_what()
    {
        var h = new SchedulerHarness().Nodes("n1");
        var job = h.Submit("a", priority: 2, min: 1, max: 3);
        h.Step();
        var at = h.Now;

        AuditNote Of(ICoordinatorEvent e, string who = "client x") => CoordinatorAudit.Of(h.State, e, who)!;

        var submitted = Of(new JobSubmitted("b-2", SchedulerHarness.Spec("b", priority: 4), [100, 28], at));
        Assert.Equal(("client x", AuditActions.JobSubmit, "b-2"), (submitted.Who, submitted.Action, submitted.Subject));
        Assert.Equal("b: model mlp (128 parameters in 2 slices), data data/mnist, priority 4, trainers 1..any, target 0.9, time limit 01:00:00", submitted.Detail);

        Assert.Equal(new AuditNote(Ops, AuditActions.JobPause, "a", "was running"), Of(new JobPaused("a", at, Ops)));
        Assert.Equal(new AuditNote(Ops, AuditActions.JobResume, "a", ""), Of(new JobResumed("a", at, Ops)));
        Assert.Equal(new AuditNote(Ops, AuditActions.JobPriority, "a", "priority 2 -> 7"), Of(new JobPriorityChanged("a", 7, at, Ops)));
        Assert.Equal(new AuditNote(Ops, AuditActions.JobCancel, "a", $"cancelled by {Ops} at 0.00 %"), Of(new JobEnded("a", JobState.Cancelled, 0, $"cancelled by {Ops} at 0.00 %"), Ops));
        Assert.Equal(new AuditNote("coordinator c", AuditActions.JobEnd, "a", "timed-out: stopped at 51.00 %"), Of(new JobEnded("a", JobState.TimedOut, 0.51, "stopped at 51.00 %"), "coordinator c"));
        Assert.Equal(new AuditNote(Ops, AuditActions.NodeDrain, "n1", "it finishes a"), Of(new NodeDrained("n1", at, Ops)));
        Assert.Equal(new AuditNote("client y", AuditActions.CheckpointSave, "a", "checkpoint 3 \"best\": slice versions [4,5], 200 floats, crc32c DEADBEEF"),
            Of(new CheckpointTaken("a", 3, at, "best", [4, 5], [100, 100], 0xdeadbeef), "client y"));
        Assert.Null(CoordinatorAudit.Of(h.State, new AuditAppended(AuditEntry.Unreadable(1, [], "x")), "anyone"));
        Assert.Equal(JobState.Running, job.State);
    }

    [Fact]
    public void Membership_and_registration_notes_name_the_node_and_its_roles()
    {
        var registered = CoordinatorAudit.Registered(new TrainerNode("akka.tcp://edgetrain@10.0.0.2:4053", "eu", true, 2, 1, true, false), ["trainer", "params"]);
        var down = CoordinatorAudit.Member(AuditActions.NodeRemoved, "akka.tcp://edgetrain@10.0.0.2:4053", ["trainer", "params"], "was down");

        Assert.Equal(new AuditNote("node akka.tcp://edgetrain@10.0.0.2:4053", AuditActions.NodeRegister, "akka.tcp://edgetrain@10.0.0.2:4053", "region eu, roles [params, trainer], 2 trainer slot(s)"), registered);
        Assert.Equal(new AuditNote("cluster membership", AuditActions.NodeRemoved, "akka.tcp://edgetrain@10.0.0.2:4053", "was down; roles [params, trainer]"), down);
    }

    [Fact]
    public void Entries_applied_live_and_on_replay_make_the_same_log_which_verifies()
    {
        var live = new SchedulerHarness();
        var head = AuditHead.Genesis;
        void Audit(AuditEntry entry)
        {
            live.Persist(new AuditAppended(entry));
            head = live.State.Audit.Head;
        }

        Audit(AuditChain.Introduce(head, live.Now, key, "coordinator c", null));
        foreach (var name in new[] { "a", "b", "c" })
        {
            var submitted = new JobSubmitted(name, SchedulerHarness.Spec(name), [100], live.Now);
            var entry = AuditChain.Next(head, live.Now, CoordinatorAudit.Of(live.State, submitted, "client x")!, key);
            live.Persist(submitted);
            Audit(entry);
            live.Advance(1);
        }

        var replayed = new CoordinatorState();
        foreach (var e in live.Journal)
        {
            replayed.Apply(e, SchedulerHarness.T0.AddHours(1));
        }

        Assert.Equal(live.State.Audit.Entries, replayed.Audit.Entries);
        Assert.Equal(4, replayed.Audit.Count);
        Assert.Equal(new AuditHead(4, live.State.Audit.Entries[^1].Hash), replayed.Audit.Head);
        Assert.Equal((key.PublicKey, key.KeyId), (replayed.Audit.Signer, replayed.Audit.SignerKeyId));
        Assert.True(AuditChain.Verify(replayed.Audit.Entries, AuditTrust.Pinned([key.KeyId])).Ok);
        Assert.Equal(3, replayed.Jobs.Count);
    }

    [Fact]
    public void An_unreadable_record_keeps_its_place_and_the_next_entry_follows_it()
    {
        var state = new CoordinatorState();
        var first = AuditChain.Introduce(AuditHead.Genesis, SchedulerHarness.T0, key, "coordinator c", null);
        state.Apply(new AuditAppended(first), SchedulerHarness.T0);
        state.Apply(new AuditAppended(AuditEntry.Unreadable(0, [1, 2, 3], "field 5 is not UTF-8")), SchedulerHarness.T0);

        Assert.Equal(2, state.Audit.Entries[1].Sequence);
        Assert.Equal(new AuditHead(2, state.Audit.Entries[1].Hash), state.Audit.Head);
        var next = AuditChain.Next(state.Audit.Head, SchedulerHarness.T0, new AuditNote("x", "ops.cluster.down", "n", ""), key);
        state.Apply(new AuditAppended(next), SchedulerHarness.T0);

        var fault = AuditChain.Verify(state.Audit.Entries, AuditTrust.Introduced).Fault;
        Assert.Equal((2L, AuditProblem.Unreadable), (fault?.Position, fault?.Problem));
        Assert.Equal(3, state.Audit.Entries[2].Sequence);
    }

    [Fact]
    public void Pages_of_the_log_from_a_place_or_from_the_end()
    {
        var log = new AuditLog();
        var head = AuditHead.Genesis;
        for (var i = 0; i < 7; i++)
        {
            var entry = i == 0 ? AuditChain.Introduce(head, SchedulerHarness.T0, key, "c", null) : AuditChain.Next(head, SchedulerHarness.T0, new AuditNote("w", "a", "s", ""), key);
            log.Add(entry);
            head = log.Head;
        }

        Assert.Equal([3L, 4L, 5L], log.Page(3, 3).Select(e => e.Sequence));
        Assert.Equal([6L, 7L], log.Page(6, 10).Select(e => e.Sequence));
        Assert.Empty(log.Page(9, 10));
        Assert.Equal([5L, 6L, 7L], log.Page(0, 3).Select(e => e.Sequence));
        Assert.Equal(7, log.Page(-1, 100).Count);
        Assert.Empty(log.Page(1, 0));
        Assert.Same(log.Entries[1].SignerKey, log.Entries[2].SignerKey);
    }
}
