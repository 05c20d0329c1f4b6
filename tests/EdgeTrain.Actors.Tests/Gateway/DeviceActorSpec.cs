using Akka.Actor;
using Akka.TestKit.Xunit2;
using EdgeTrain.Actors.Gateway;
using EdgeTrain.Actors.Tests.Jobs;
using EdgeTrain.Core.Membership;
using static EdgeTrain.Actors.Gateway.GatewayProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Tests.Gateway;

public sealed class DeviceActorSpec : TestKit
{
    private static readonly NodeCapabilities Laptop = new(4, 8L << 30, true, null, false, 0, 20, 100L << 30, "Linux");
    private static readonly GatewaySettings Settings = new("127.0.0.1", 0, TimeSpan.FromMilliseconds(500), 10, 1 << 20, 16, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

    [Fact]
    public void The_stand_in_registers_the_device_as_a_trainer_and_carries_a_pull_there_and_its_answer_back()
    {
        var (device, link, shards, _, coordinator) = Attach("d1");

        var registration = coordinator.ExpectMsg<RegisterNode>();
        device.Tell(new FromDevice(new DeviceEnvelope(DeviceRoute.Shards, "j-1", new PullSlice("j-1", 2, -1))));
        shards.ExpectMsg<PullSlice>(p => p.Slice == 2);
        shards.Reply(new SliceData("j-1", 2, 7, [1f, 2f]));

        Assert.Equal(("device://d1", "local"), (registration.Address, registration.Region));
        Assert.Equal([CapabilityScore.TrainerRole], registration.Roles);
        Assert.Equal(device, registration.TrainerHost);
        var down = Read(link);
        Assert.Equal((DeviceRoute.Trainer, "j-1"), (down.Route, down.JobId));
        Assert.Equal(7, Assert.IsType<SliceData>(down.Message).Version);
    }

    [Fact]
    public void A_message_a_trainer_does_not_send_goes_nowhere()
    {
        var (device, _, shards, aggregators, coordinator) = Attach("d2");
        coordinator.ExpectMsg<RegisterNode>();
        coordinator.Reply(new NodeRegistered("device://d2"));

        device.Tell(new FromDevice(new DeviceEnvelope(DeviceRoute.Coordinator, "j-1", new TrainerFailed("j-1", "device://someone-else", "x"))));
        device.Tell(new FromDevice(new DeviceEnvelope(DeviceRoute.Aggregators, "j-1", new PullSlice("j-1", 0, -1))));

        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        aggregators.ExpectNoMsg(TimeSpan.Zero);
        shards.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void The_coordinators_start_goes_down_to_the_devices_trainer_host_without_the_coordinators_reference()
    {
        var (device, link, _, _, coordinator) = Attach("d3");
        coordinator.ExpectMsg<RegisterNode>();

        device.Tell(new StartTraining("j-1", TestJobs.Tiny, [0], 1, "local", [100], coordinator.Ref));

        var down = Read(link);
        Assert.Equal(DeviceRoute.TrainerHost, down.Route);
        Assert.True(Assert.IsType<StartTraining>(down.Message).Coordinator.IsNobody());
    }

    [Fact]
    public void A_device_that_does_not_come_back_within_its_grace_is_reported_gone_and_one_that_does_is_not()
    {
        var (device, link, _, _, coordinator) = Attach("d4");
        coordinator.ExpectMsg<RegisterNode>();
        coordinator.Reply(new NodeRegistered("device://d4"));

        device.Tell(new DetachDevice(link));
        device.Tell(new AttachDevice("d4", "local", Laptop, 1, new DeviceLink(16)));
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(800));
        var second = new DeviceLink(16);
        device.Tell(new AttachDevice("d4", "local", Laptop, 1, second));
        Watch(device);
        device.Tell(new DetachDevice(second));

        var gone = coordinator.FishForMessage<DeviceGone>(m => m is DeviceGone, TimeSpan.FromSeconds(3));
        Assert.Equal("device://d4", gone.Address);
        Assert.Contains("disconnected from its gateway", gone.Reason, StringComparison.Ordinal);
        ExpectTerminated(device);
    }

    [Fact]
    public async Task A_tab_that_comes_back_is_sent_the_start_of_its_job_again_and_not_of_a_stopped_one()
    {
        var (device, link, _, _, coordinator) = Attach("d5");
        coordinator.ExpectMsg<RegisterNode>();
        device.Tell(new StartTraining("j-1", TestJobs.Tiny, [0], 1, "local", [100], coordinator.Ref));
        device.Tell(new StartTraining("j-2", TestJobs.Tiny, [1], 2, "local", [100], coordinator.Ref));
        device.Tell(new StopTraining("j-2"));
        Read(link);
        Read(link);
        Read(link);

        var back = new DeviceLink(16);
        device.Tell(new DetachDevice(link));
        device.Tell(new AttachDevice("d5", "local", Laptop, 1, back) { ReplayStarts = true });

        var again = Read(back);
        Assert.Equal(("j-1", DeviceRoute.TrainerHost), (again.JobId, again.Route));
        Assert.IsType<StartTraining>(again.Message);
        await Task.Delay(300);
        Assert.False(back.Reader.TryRead(out _));
    }

    private (IActorRef Device, DeviceLink Link, Akka.TestKit.TestProbe Shards, Akka.TestKit.TestProbe Aggregators, Akka.TestKit.TestProbe Coordinator) Attach(string id)
    {
        var shards = CreateTestProbe();
        var aggregators = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var link = new DeviceLink(16);
        var device = Sys.ActorOf(DeviceActor.Props(new AttachDevice(id, "local", Laptop, 1, link), shards, aggregators, coordinator, Settings), DeviceNames.StandIn(id));
        return (device, link, shards, aggregators, coordinator);
    }

    private DeviceEnvelope Read(DeviceLink link)
    {
        DeviceEnvelope? envelope = null;
        AwaitCondition(() => link.Reader.TryRead(out envelope), TimeSpan.FromSeconds(3));
        return envelope!;
    }
}
