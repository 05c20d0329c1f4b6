using Akka.Actor;
using EdgeTrain.Actors.Gateway;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Tests.Gateway;

public sealed class DeviceMessagesSpec
{
    private const string Device = "device://d1";

    [Fact]
    public void A_trainers_pull_contribution_and_progress_in_its_own_name_pass()
    {
        Assert.Null(DeviceMessages.Refusal(new DeviceEnvelope(DeviceRoute.Shards, "j-1", new PullSlice("j-1", 0, -1)), Device));
        Assert.Null(DeviceMessages.Refusal(new DeviceEnvelope(DeviceRoute.Aggregators, "j-1", new Contribution("j-1", "local", 0, 3, 64, [1, 2])), Device));
        Assert.Null(DeviceMessages.Refusal(new DeviceEnvelope(DeviceRoute.Coordinator, "j-1", new TrainerProgress("j-1", Device, "local", 64, 0.5, 1, 100, 1, 1)), Device));
    }

    [Fact]
    public void A_message_to_the_wrong_actor_or_not_a_trainers_is_refused_by_name()
    {
        var pullToAggregators = DeviceMessages.Refusal(new DeviceEnvelope(DeviceRoute.Aggregators, "j-1", new PullSlice("j-1", 0, -1)), Device);
        var stopToCoordinator = DeviceMessages.Refusal(new DeviceEnvelope(DeviceRoute.Coordinator, "j-1", new StopTraining("j-1")), Device);

        Assert.Equal("a PullSlice for the aggregators is not something a trainer sends", pullToAggregators);
        Assert.Equal("a StopTraining for the coordinator is not something a trainer sends", stopToCoordinator);
    }

    [Fact]
    public void Progress_in_another_nodes_name_and_a_message_of_another_job_are_refused()
    {
        var impostor = DeviceMessages.Refusal(new DeviceEnvelope(DeviceRoute.Coordinator, "j-1", new TrainerFailed("j-1", "akka.ssl.tcp://edgetrain@10.0.0.2:4053", "x")), Device);
        var otherJob = DeviceMessages.Refusal(new DeviceEnvelope(DeviceRoute.Aggregators, "j-1", new Contribution("j-2", "local", 0, 3, 64, [1])), Device);

        Assert.Equal("a TrainerFailed in the name of akka.ssl.tcp://edgetrain@10.0.0.2:4053, not of device://d1", impostor);
        Assert.Equal("a Contribution of job j-2 in an envelope of job j-1", otherJob);
    }

    [Fact]
    public void The_job_of_each_message_a_device_exchanges_is_known()
    {
        Assert.Equal("j-1", DeviceMessages.JobOf(new PullSlice("j-1", 0, -1)));
        Assert.Equal("j-1", DeviceMessages.JobOf(new Contribution("j-1", "local", 0, 3, 64, [1])));
        Assert.Equal("j-1", DeviceMessages.JobOf(new StopTraining("j-1")));
        Assert.Null(DeviceMessages.JobOf("hello"));
    }

    [Fact]
    public void A_trainer_behind_a_gateway_is_known_by_its_device_name_and_any_other_by_its_address()
    {
        var self = new Address("akka.ssl.tcp", "edgetrain", "10.0.0.1", 4053);
        var gateway = new Address("akka.ssl.tcp", "edgetrain", "10.0.0.9", 4060);
        var device = new PathOnly(new RootActorPath(gateway) / "user" / "gateway" / DeviceNames.StandIn("a1b2") / "job-j-1");
        var member = new PathOnly(new RootActorPath(gateway) / "user" / "trainers" / "trainer-j-1");

        Assert.Equal("device://a1b2", DeviceNames.NodeOf(device, self));
        Assert.Equal(gateway.ToString(), DeviceNames.NodeOf(member, self));
    }

    [Theory]
    [InlineData("a1b2c3d4e5f6", true)]
    [InlineData("node-7.example_1", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("slash/inside", false)]
    public void A_device_id_is_letters_digits_and_a_few_marks(string id, bool valid) => Assert.Equal(valid, DeviceNames.IsValidId(id));

    // an actor reference that is nothing but its path
    private sealed class PathOnly(ActorPath path) : MinimalActorRef
    {
        public override ActorPath Path => path;

        public override IActorRefProvider Provider => throw new NotSupportedException();
    }
}
