using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core.Scheduling;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Actors.Tests.Jobs;

/// <summary><c>node quarantine|release</c> as the coordinator decides them: the event to persist, or the refusal with its reason.</summary>
public sealed class QuarantineCommandsSpec
{
    private const string Node = "akka.tcp://edgetrain@10.0.0.7:4053";
    private static readonly DateTime Now = new(2026, 12, 3, 12, 0, 0, DateTimeKind.Utc);

    private static CoordinatorState State()
    {
        var state = new CoordinatorState();
        state.Register(new TrainerNode(Node, "local", true, 1, 1, true, true));
        return state;
    }

    [Fact]
    public void A_quarantine_of_a_known_node_is_persisted_with_the_reason_and_who_asked()
    {
        var state = State();

        var (e, refusal) = OperatorCommands.Decide(state, new QuarantineNode(Node, "sends sign-flipped updates", "edgetrain-cmd (ops)"), Now);

        Assert.Null(refusal);
        Assert.Equal(new NodeQuarantined(Node, Now, "sends sign-flipped updates (by edgetrain-cmd (ops))", "edgetrain-cmd (ops)"), e);
        state.Apply(e!, Now);
        var answer = Assert.IsType<NodeQuarantineChanged>(OperatorCommands.Answer(state, e!, 0, 0));
        Assert.True(answer.Quarantined);
        Assert.Contains("its trainers stop", answer.Message, StringComparison.Ordinal);
        Assert.Equal("edgetrain-cmd (ops)", OperatorCommands.By(new QuarantineNode(Node, null, "edgetrain-cmd (ops)")));
    }

    [Fact]
    public void An_unknown_address_is_refused_with_the_known_ones()
    {
        var (e, refusal) = OperatorCommands.Decide(State(), new QuarantineNode("akka.tcp://edgetrain@10.0.0.8:4053", null, "ops"), Now);

        Assert.Null(e);
        Assert.Equal([Node], Assert.IsType<NodeUnknown>(refusal).Known);
        Assert.IsType<NodeUnknown>(OperatorCommands.Decide(State(), new ReleaseNode("akka.tcp://edgetrain@10.0.0.8:4053", "ops"), Now).Refusal);
    }

    [Fact]
    public void A_second_quarantine_and_the_release_of_a_node_that_is_not_quarantined_are_refused_with_the_reason()
    {
        var state = State();
        state.Apply(new NodeQuarantined(Node, Now, "score 0.087", "coordinator"), Now);

        var again = Assert.IsType<NodeCommandRefused>(OperatorCommands.Decide(state, new QuarantineNode(Node, null, "ops"), Now).Refusal);
        var released = OperatorCommands.Decide(state, new ReleaseNode(Node, "ops"), Now).Event;
        state.Apply(released!, Now);
        var twice = Assert.IsType<NodeCommandRefused>(OperatorCommands.Decide(state, new ReleaseNode(Node, "ops"), Now).Refusal);

        Assert.Contains("already quarantined", again.Reason, StringComparison.Ordinal);
        Assert.Contains("score 0.087", again.Reason, StringComparison.Ordinal);
        Assert.Equal(new NodeReleased(Node, Now, "ops"), released);
        Assert.Contains("is not quarantined", twice.Reason, StringComparison.Ordinal);
    }
}
