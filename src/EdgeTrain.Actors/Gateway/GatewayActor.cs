using Akka.Actor;
using Akka.Event;
using static EdgeTrain.Actors.Gateway.GatewayProtocol;

namespace EdgeTrain.Actors.Gateway;

/// <summary>
/// The gateway role's actor (<c>/user/gateway</c>): one stand-in (<see cref="DeviceActor"/>) per device
/// that dials in, by the device's id, so that a device that connects again finds its stand-in (and its
/// trainer's partitions) where it left them. A device whose stand-in is stopping (its grace ran out)
/// waits for it to stop and then gets a fresh one.
/// </summary>
public sealed class GatewayActor : ReceiveActor
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Dictionary<string, List<(AttachDevice Attach, IActorRef ReplyTo)>> waiting = new(StringComparer.Ordinal);
    private readonly HashSet<string> stopping = new(StringComparer.Ordinal);

    /// <summary>Creates the gateway, whose devices' messages go to <paramref name="shards"/>, <paramref name="aggregators"/> and <paramref name="coordinator"/>.</summary>
    public GatewayActor(IActorRef shards, IActorRef aggregators, IActorRef coordinator, GatewaySettings settings)
    {
        Receive<AttachDevice>(attach =>
        {
            var name = DeviceNames.StandIn(attach.DeviceId);
            if (stopping.Contains(name))
            {
                if (!waiting.TryGetValue(name, out var list))
                {
                    waiting[name] = list = [];
                }

                list.Add((attach, Sender));
                return;
            }

            var device = Context.Child(name);
            if (device.IsNobody())
            {
                if (Context.GetChildren().Count() >= settings.MaxDevices)
                {
                    Sender.Tell(new Status.Failure(new InvalidOperationException($"this gateway carries {settings.MaxDevices} devices already (edgetrain.gateway.max-devices)")));
                    return;
                }

                device = Context.ActorOf(DeviceActor.Props(attach, shards, aggregators, coordinator, settings), name);
                Context.Watch(device);
                log.Info("gateway: device {0} attached from {1} ({2}, {3} trainer slot(s))", DeviceNames.Address(attach.DeviceId), attach.Peer, attach.Region, attach.TrainerSlots);
            }
            else
            {
                device.Tell(attach);
            }

            Sender.Tell(new DeviceAttached(DeviceNames.Address(attach.DeviceId), device));
        });
        Receive<DeviceActor.Stopping>(s => stopping.Add(Sender.Path.Name));
        Receive<Terminated>(t =>
        {
            var name = t.ActorRef.Path.Name;
            stopping.Remove(name);
            if (waiting.Remove(name, out var list))
            {
                foreach (var (attach, replyTo) in list)
                {
                    Self.Tell(attach, replyTo);
                }
            }
        });
        ReceiveAsync<GetGatewayDevices>(async _ =>
        {
            var sender = Sender;
            var asks = Context.GetChildren().Select(c => c.Ask<GatewayDevice>(DeviceActor.Describe.Instance, TimeSpan.FromSeconds(3))).ToList();
            var devices = new List<GatewayDevice>();
            foreach (var ask in asks)
            {
                try
                {
                    devices.Add(await ask.ConfigureAwait(false));
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                {
                    // a stand-in that stopped meanwhile
                }
            }

            sender.Tell(new GatewayDevices([.. devices.OrderBy(d => d.Address, StringComparer.Ordinal)]));
        });
    }

    /// <summary>Props for the gateway.</summary>
    public static Props Props(IActorRef shards, IActorRef aggregators, IActorRef coordinator, GatewaySettings settings) =>
        Akka.Actor.Props.Create(() => new GatewayActor(shards, aggregators, coordinator, settings));
}
