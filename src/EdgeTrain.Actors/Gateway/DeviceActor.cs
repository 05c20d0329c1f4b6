using Akka.Actor;
using Akka.Event;
using EdgeTrain.Actors.Membership;
using EdgeTrain.Core.Membership;
using static EdgeTrain.Actors.Gateway.GatewayProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Actors.Gateway;

/// <summary>
/// A device's stand-in on its gateway (<c>/user/gateway/device-ID</c>): to the cluster it is the device's
/// trainer host (registered with the coordinator as <c>device://ID</c>, trainer role only, by a
/// <see cref="NodeAgentActor"/> of its own); what the coordinator sends its trainer host and what comes back
/// to the device's trainers goes down the device's stream; what the device sends is checked
/// (<see cref="DeviceMessages"/>) and sent on by the stand-in of its job (<see cref="DeviceJobActor"/>), so
/// that replies find their way back. It forwards payloads as they are (a contribution stays encoded with
/// the job's codec). When the stream ends it waits <c>edgetrain.gateway.device-grace</c> for the device to
/// come back (here or through another gateway), then tells the coordinator it is gone and stops.
/// </summary>
public sealed class DeviceActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly string address;
    private readonly IActorRef shards;
    private readonly IActorRef aggregators;
    private readonly IActorRef coordinator;
    private readonly Dictionary<string, StartTraining> started = new(StringComparer.Ordinal);
    private DeviceLink? link;
    private long messagesIn;
    private long messagesOut;
    private long refused;
    private long droppedBefore;

    /// <summary>Creates the stand-in of the device that <paramref name="attach"/> names.</summary>
    public DeviceActor(AttachDevice attach, IActorRef shards, IActorRef aggregators, IActorRef coordinator, GatewaySettings settings)
    {
        address = DeviceNames.Address(attach.DeviceId);
        this.shards = shards;
        this.aggregators = aggregators;
        this.coordinator = coordinator;
        link = attach.Link;
        var registration = new RegisterNode(address, attach.Region, [CapabilityScore.TrainerRole], attach.Capabilities, Self, attach.TrainerSlots);
        Context.ActorOf(NodeAgentActor.Props(registration, coordinator), "agent");

        Receive<AttachDevice>(again =>
        {
            // the device came back (a new stream): what the old link still holds is lost with it
            droppedBefore += link?.Dropped ?? 0;
            link?.Close();
            link = again.Link;
            Timers.Cancel(nameof(GraceOver));
            log.Info("gateway: device {0} is back, from {1}", address, again.Peer);
            if (again.ReplayStarts)
            {
                foreach (var start in started.Values)
                {
                    Self.Tell(start);
                }
            }
        });
        Receive<DetachDevice>(detach =>
        {
            if (!ReferenceEquals(detach.Link, link))
            {
                return; // an older stream of a device that is back already
            }

            droppedBefore += link.Dropped;
            link = null;
            log.Info("gateway: device {0} disconnected; it keeps its work for {1}", address, settings.DeviceGrace);
            Timers.StartSingleTimer(nameof(GraceOver), GraceOver.Instance, settings.DeviceGrace);
        });
        Receive<GraceOver>(_ =>
        {
            log.Warning("gateway: device {0} did not come back within {1}; its partitions move to other trainers", address, settings.DeviceGrace);
            coordinator.Tell(new DeviceGone(address, $"disconnected from its gateway for {settings.DeviceGrace.TotalSeconds:0} s"));
            Context.Parent.Tell(Stopping.Instance);
            Context.Stop(Self);
        });
        Receive<FromDevice>(from =>
        {
            messagesIn++;
            if (DeviceMessages.Refusal(from.Envelope, address) is { } refusal)
            {
                refused++;
                log.Warning("gateway: refused a message of device {0}: {1}", address, refusal);
                return;
            }

            Job(from.Envelope.JobId).Tell(from.Envelope);
        });
        Receive<StartTraining>(start =>
        {
            started[start.JobId] = start;
            Down(new DeviceEnvelope(DeviceRoute.TrainerHost, start.JobId, start with { Coordinator = ActorRefs.Nobody }));
        });
        Receive<StopTraining>(stop =>
        {
            started.Remove(stop.JobId);
            Down(new DeviceEnvelope(DeviceRoute.TrainerHost, stop.JobId, stop));
        });
        Receive<DeviceEnvelope>(Down);
        Receive<Describe>(_ => Sender.Tell(new GatewayDevice(address, link is not null, messagesIn, messagesOut, refused, droppedBefore + (link?.Dropped ?? 0))));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the stand-in.</summary>
    public static Props Props(AttachDevice attach, IActorRef shards, IActorRef aggregators, IActorRef coordinator, GatewaySettings settings) =>
        Akka.Actor.Props.Create(() => new DeviceActor(attach, shards, aggregators, coordinator, settings));

    /// <inheritdoc />
    protected override void PostStop() => link?.Close();

    private void Down(DeviceEnvelope envelope)
    {
        // while the device is away, nothing is kept: its trainer asks again for what it did not get
        if (link is not null && link.Send(envelope))
        {
            messagesOut++;
        }
    }

    private IActorRef Job(string jobId)
    {
        var name = "job-" + Uri.EscapeDataString(jobId);
        var child = Context.Child(name);
        return child.IsNobody() ? Context.ActorOf(DeviceJobActor.Props(jobId, shards, aggregators, coordinator), name) : child;
    }

    /// <summary>Asks the stand-in for its figures (<see cref="GatewayDevice"/>).</summary>
    internal sealed class Describe
    {
        public static readonly Describe Instance = new();
    }

    /// <summary>Tells the gateway that this stand-in is stopping.</summary>
    internal sealed class Stopping
    {
        public static readonly Stopping Instance = new();
    }

    private sealed class GraceOver
    {
        public static readonly GraceOver Instance = new();
    }
}
