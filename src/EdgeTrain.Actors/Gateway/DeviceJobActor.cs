using Akka.Actor;

namespace EdgeTrain.Actors.Gateway;

/// <summary>
/// A device's trainer of one job as the cluster sees it (<c>/user/gateway/device-ID/job-JOB</c>): sends the
/// device's checked messages on to the shards, the aggregators or the coordinator as itself, and sends
/// every answer it gets back down to the device's trainer of that job (through the device's stand-in).
/// </summary>
public sealed class DeviceJobActor : ReceiveActor
{
    /// <summary>Creates the job's stand-in.</summary>
    public DeviceJobActor(string jobId, IActorRef shards, IActorRef aggregators, IActorRef coordinator)
    {
        Receive<DeviceEnvelope>(
            envelope => envelope.Route is DeviceRoute.Shards or DeviceRoute.Aggregators or DeviceRoute.Coordinator && Sender.Equals(Context.Parent),
            envelope =>
            {
                var target = envelope.Route switch
                {
                    DeviceRoute.Shards => shards,
                    DeviceRoute.Aggregators => aggregators,
                    _ => coordinator,
                };
                target.Tell(envelope.Message, Self);
            });
        ReceiveAny(answer => Context.Parent.Tell(new DeviceEnvelope(DeviceRoute.Trainer, jobId, answer)));
    }

    /// <summary>Props for the job's stand-in.</summary>
    public static Props Props(string jobId, IActorRef shards, IActorRef aggregators, IActorRef coordinator) =>
        Akka.Actor.Props.Create(() => new DeviceJobActor(jobId, shards, aggregators, coordinator));
}
