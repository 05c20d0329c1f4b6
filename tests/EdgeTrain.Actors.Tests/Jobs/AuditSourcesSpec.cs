using Akka.Actor;
using EdgeTrain.Actors.Jobs;

namespace EdgeTrain.Actors.Tests.Jobs;

public sealed class AuditSourcesSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Address Seed = Address.Parse("akka.tcp://edgetrain@10.0.0.1:4053");
    private static readonly Address Member = Address.Parse("akka.tcp://edgetrain@10.0.0.2:4053");

    private IActorRef At(string path) => new RemoteLike(ActorPath.Parse(path));

    // an actor reference that only has a path: what the coordinator sees of a remote sender
    private sealed class RemoteLike(ActorPath path) : MinimalActorRef
    {
        public override ActorPath Path { get; } = path;

        public override IActorRefProvider Provider => throw new NotSupportedException();
    }

    [Fact]
    public void A_command_line_client_is_named_by_its_own_address_from_the_receptionist_tunnel()
    {
        var client = "akka.tcp://edgetrain-client@127.0.0.1:40123/temp/$a#12345";
        var tunnel = At($"akka.tcp://edgetrain@10.0.0.1:4053/system/receptionist/{Uri.EscapeDataString(client)}");

        Assert.True(AuditSources.ThroughReceptionist(tunnel));
        Assert.Equal("client akka.tcp://edgetrain-client@127.0.0.1:40123", AuditSources.Requester(tunnel, Seed));
        Assert.Contains("command-line clients cannot append", AuditSources.AppendRefusal(tunnel, _ => true), StringComparison.Ordinal);
    }

    [Fact]
    public void Actors_of_the_cluster_are_named_by_path_and_node_and_may_append_when_members()
    {
        var remote = At("akka.tcp://edgetrain@10.0.0.2:4053/temp/$b");
        var stranger = At("akka.tcp://edgetrain@10.6.6.6:4053/user/x");

        Assert.False(AuditSources.ThroughReceptionist(remote));
        Assert.Equal("actor /temp/$b on akka.tcp://edgetrain@10.0.0.2:4053", AuditSources.Requester(remote, Seed));
        Assert.Equal($"actor {TestActor.Path.ToStringWithoutAddress()} on {Seed}", AuditSources.Requester(TestActor, Seed));
        Assert.Null(AuditSources.AppendRefusal(remote, a => a == Member));
        Assert.Null(AuditSources.AppendRefusal(TestActor, _ => false));
        Assert.Equal("akka.tcp://edgetrain@10.6.6.6:4053 is not a member of this cluster", AuditSources.AppendRefusal(stranger, a => a == Member));
        Assert.NotNull(AuditSources.AppendRefusal(Sys.DeadLetters, _ => true));
        Assert.Equal("unknown (no sender)", AuditSources.Requester(ActorRefs.Nobody, Seed));
    }
}
