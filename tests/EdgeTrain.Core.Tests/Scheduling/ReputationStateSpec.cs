using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Reputation;
using EdgeTrain.Core.Scheduling;

namespace EdgeTrain.Core.Tests.Scheduling;

/// <summary>Reputation in the coordinator's state: persisted observations, quarantine and release, and what the scheduler makes of them.</summary>
public sealed class ReputationStateSpec
{
    [Fact]
    public void Observations_of_one_report_are_folded_into_one_event_per_node_identity()
    {
        var events = CoordinatorEvents.Observations(new Dictionary<string, ReputationDelta>
        {
            ["n2"] = new(LeftOut: 1),
            ["n1"] = new(Used: 3),
            ["n3"] = new(),
        }, address => address);

        Assert.Equal([new ReputationObserved("n1", new ReputationDelta(Used: 3)), new ReputationObserved("n2", new ReputationDelta(LeftOut: 1))], events);
    }

    [Fact]
    public void Over_tls_a_node_is_known_by_its_certificate_so_a_new_address_keeps_its_record_and_quarantine()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        var node = ReputationIdentity.OfCertificate("c0ffee");
        h.Persist(new ReputationObserved("n1", new ReputationDelta(Used: 1, LeftOut: 2))); // before its certificate was bound
        h.Persist(new NodeIdentified("n1", node, h.Now));
        foreach (var e in CoordinatorEvents.Observations(new Dictionary<string, ReputationDelta> { ["n1"] = new(LeftOut: 4) }, h.State.IdentityOf))
        {
            h.Persist(e);
        }

        Assert.Equal(node, h.State.IdentityOf("n1"));
        Assert.Equal("n2", h.State.IdentityOf("n2")); // no certificate known: its address
        Assert.Equal((1, 6), (h.State.Reputation.Of(node).Used, h.State.Reputation.Of(node).LeftOut));
        Assert.Equal(0, h.State.Reputation.Of("n1").Bad); // moved, not copied
        h.Persist(new NodeQuarantined(node, h.Now, "score 0.1", "coordinator"));
        Assert.True(h.State.Quarantined("n1"));

        // the same certificate restarts at another address: quarantined as soon as it is bound there
        h.Nodes("n3");
        Assert.False(h.State.Quarantined("n3"));
        h.Persist(new NodeIdentified("n3", node, h.Now));
        Assert.True(h.State.Quarantined("n3"));
        Assert.Equal(["n1", "n3"], h.State.AddressesOf(node));
    }

    [Fact]
    public void Merging_an_address_record_into_a_quarantined_identity_keeps_the_earlier_quarantine()
    {
        var ledger = new ReputationLedger();
        ledger.Record("addr", new ReputationDelta(LeftOut: 5));
        ledger.Quarantine("addr", SchedulerHarness.T0, "first");
        ledger.Quarantine("id", SchedulerHarness.T0.AddMinutes(1), "second");

        ledger.Merge("addr", "id");

        Assert.Equal("first", ledger.Of("id").QuarantineReason);
        Assert.Equal(5, ledger.Of("id").LeftOut);
        Assert.Equal("id", ledger.Of("id").Node);
        Assert.False(ledger.IsQuarantined("addr"));
    }

    [Fact]
    public void The_ledger_is_what_the_journal_says_so_it_survives_a_restart()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2");
        h.Persist(new ReputationObserved("n1", new ReputationDelta(Used: 4)));
        h.Persist(new ReputationObserved("n2", new ReputationDelta(Used: 1, LeftOut: 6)));
        h.Persist(new NodeQuarantined("n2", h.Now, "score 0.1", "coordinator"));

        var recovered = new CoordinatorState();
        foreach (var e in h.Journal)
        {
            recovered.Apply(e, h.Now.AddHours(1));
        }

        Assert.Equal(4, recovered.Reputation.Of("n1").Used);
        Assert.True(recovered.Quarantined("n2"));
        Assert.Equal(h.Now, recovered.Reputation.Of("n2").QuarantinedUtc);
        Assert.Empty(recovered.QuarantinedAddresses()); // nothing registered yet after the restart
        recovered.Register(h.State.Nodes["n2"]);
        Assert.Equal(["n2"], recovered.QuarantinedAddresses());
    }

    [Fact]
    public void A_node_left_out_again_and_again_is_due_for_quarantine_and_an_honest_one_is_not()
    {
        var state = new CoordinatorState();
        state.Apply(new ReputationObserved("bad", new ReputationDelta(Used: 1, LeftOut: 5)), SchedulerHarness.T0);
        state.Apply(new ReputationObserved("honest", new ReputationDelta(Used: 30, LeftOut: 4)), SchedulerHarness.T0);

        Assert.Contains("below 0.3 after 5 bad observations", state.QuarantineDue("bad"), StringComparison.Ordinal);
        Assert.Null(state.QuarantineDue("honest"));
        Assert.Null(state.QuarantineDue("never-seen"));
    }

    [Fact]
    public void A_release_starts_the_record_again_from_a_clean_slate()
    {
        var h = new SchedulerHarness().Nodes("n1");
        h.Persist(new ReputationObserved("n1", new ReputationDelta(LeftOut: 9)));
        h.Persist(new NodeQuarantined("n1", h.Now, "score", "ops"));
        h.Persist(new NodeReleased("n1", h.Now, "ops"));

        Assert.False(h.State.Quarantined("n1"));
        Assert.Equal(0, h.State.Reputation.Of("n1").Bad);
        Assert.Equal(0.5, h.State.ReputationScore("n1"));
    }

    [Fact]
    public void A_second_quarantine_keeps_the_first_time_and_reason()
    {
        var h = new SchedulerHarness().Nodes("n1");
        h.Persist(new NodeQuarantined("n1", h.Now, "first", "ops"));
        h.Advance(10);
        h.Persist(new NodeQuarantined("n1", h.Now, "second", "ops"));

        Assert.Equal("first", h.State.Reputation.Of("n1").QuarantineReason);
        Assert.Equal(SchedulerHarness.T0, h.State.Reputation.Of("n1").QuarantinedUtc);
    }

    [Fact]
    public void An_evicted_node_stops_its_trainers_and_its_partitions_move_to_the_others()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2", "n3");
        h.Submit("a");
        h.Step();
        Assert.Equal(["n1", "n2", "n3"], h.On("a"));

        h.Persist(new NodeQuarantined("n2", h.Now, "score", "coordinator"));
        var changes = Assert.Single(h.State.Evict("n2", "quarantined", h.Now));

        Assert.Equal(["n2"], changes.Stop);
        Assert.Equal(["n1", "n3"], h.On("a"));
        Assert.True(h.State.Nodes.ContainsKey("n2"));
        Assert.Contains(h.State.Job("a")!.Events, e => e.Contains("trainer node n2 quarantined", StringComparison.Ordinal));
    }

    [Fact]
    public void The_scheduler_gives_a_quarantined_node_no_work_in_any_job()
    {
        var h = new SchedulerHarness().Nodes("n1", "n2").Node("n3", slots: 2, probe: 20);
        h.Persist(new NodeQuarantined("n3", h.Now, "score", "coordinator"));
        h.Submit("a");
        h.Submit("b");
        h.Step();

        Assert.DoesNotContain("n3", h.On("a"));
        Assert.DoesNotContain("n3", h.On("b"));
        Assert.True(h.State.TakesNoWork("n3"));

        h.Persist(new NodeReleased("n3", h.Now, "ops"));
        h.Submit("c");
        h.Step();
        Assert.Contains("n3", h.On("c"));
    }

    [Fact]
    public void A_job_whose_only_trainer_is_quarantined_waits_for_another()
    {
        var h = new SchedulerHarness().Nodes("n1");
        h.Submit("a");
        h.Step();

        h.Persist(new NodeQuarantined("n1", h.Now, "score", "coordinator"));
        var change = Assert.Single(h.State.Evict("n1", "quarantined", h.Now));
        h.Step();

        Assert.Equal(["n1"], change.Stop);
        Assert.Equal(JobState.Queued, h.State.Job("a")!.State);
        Assert.Empty(h.On("a"));
    }

    [Fact]
    public void Reputation_counts_in_the_capability_score()
    {
        var h = new SchedulerHarness().Node("clean", probe: 5).Node("new", probe: 5).Node("suspect", probe: 5);
        h.Persist(new ReputationObserved("clean", new ReputationDelta(Used: 40)));
        h.Persist(new ReputationObserved("suspect", new ReputationDelta(Used: 10, LeftOut: 3)));

        double Score(string node) => Scheduler.Score(h.State, h.State.Nodes[node], h.Options);

        Assert.Equal(5 * 0.5, Score("new"), 6);
        Assert.True(Score("clean") > Score("new"));
        Assert.True(Score("new") > Score("suspect"));

        h.Submit("a", max: 1);
        h.Step();
        Assert.Equal(["clean"], h.On("a"));
    }

    [Fact]
    public void A_quarantine_and_a_release_are_audited_with_who_and_why()
    {
        var h = new SchedulerHarness().Nodes("n1");
        var quarantine = new NodeQuarantined("n1", h.Now, "score 0.087 below 0.3", "coordinator akka.tcp://edgetrain@127.0.0.1:4053");

        var note = CoordinatorAudit.Of(h.State, quarantine, "ignored")!;
        h.Persist(quarantine);
        var release = CoordinatorAudit.Of(h.State, new NodeReleased("n1", h.Now, "edgetrain-cmd (ops)"), "ignored")!;

        Assert.Equal((AuditActions.NodeQuarantine, "n1", "score 0.087 below 0.3"), (note.Action, note.Subject, note.Detail));
        Assert.Equal("coordinator akka.tcp://edgetrain@127.0.0.1:4053", note.Who);
        Assert.Equal((AuditActions.NodeRelease, "edgetrain-cmd (ops)"), (release.Action, release.Who));
        Assert.Contains("score", release.Detail, StringComparison.Ordinal);
    }
}
