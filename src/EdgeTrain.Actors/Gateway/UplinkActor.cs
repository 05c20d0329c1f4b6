using Akka.Actor;
using Akka.Event;

namespace EdgeTrain.Actors.Gateway;

/// <summary>
/// On a device: what its trainers take for the shards, the aggregators or the coordinator. Every message
/// goes into the stream to the gateway, with its route and job; the gateway's stand-in sends it on.
/// </summary>
public sealed class UplinkActor : ReceiveActor
{
    private readonly ILoggingAdapter log = Context.GetLogger();

    /// <summary>Creates the uplink for <paramref name="route"/>.</summary>
    public UplinkActor(DeviceRoute route, Action<DeviceEnvelope> send) =>
        ReceiveAny(message =>
        {
            if (DeviceMessages.JobOf(message) is { } job)
            {
                send(new DeviceEnvelope(route, job, message));
            }
            else
            {
                log.Warning("device: a {0} for the {1} names no job; not sent", message.GetType().Name, route);
            }
        });

    /// <summary>Props for the uplink.</summary>
    public static Props Props(DeviceRoute route, Action<DeviceEnvelope> send) =>
        Akka.Actor.Props.Create(() => new UplinkActor(route, send));
}
