using Akka.Actor;
using Akka.Event;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Training;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Actors.Gateway;

/// <summary>
/// The trainers of a device that only dials out (<c>edgetrain-node --via-gateway</c>), in its own ActorSystem
/// that is no cluster member: a <see cref="TrainerHostActor"/> with the same <see cref="TrainerActor"/>s as a
/// full member's, whose shards, aggregators and coordinator are uplinks (<see cref="UplinkActor"/>) into the
/// device's stream to its gateway. What comes down the stream goes to the trainer host (start, stop) or to
/// the trainer of the message's job. The trainers outlive the stream: a device that reconnects goes on
/// with its partitions and its error feedback.
/// </summary>
public sealed class DeviceHostActor : ReceiveActor
{
    private readonly ILoggingAdapter log = Context.GetLogger();

    /// <summary>Creates the host; <paramref name="send"/> queues a message for the gateway (dropped while there is no stream).</summary>
    public DeviceHostActor(Action<DeviceEnvelope> send, EdgeTrainSettings settings, string address)
    {
        var shards = Context.ActorOf(UplinkActor.Props(DeviceRoute.Shards, send), "shards");
        var aggregators = Context.ActorOf(UplinkActor.Props(DeviceRoute.Aggregators, send), "aggregators");
        var coordinator = Context.ActorOf(UplinkActor.Props(DeviceRoute.Coordinator, send), "coordinator");
        var trainers = Context.ActorOf(TrainerHostActor.Props(shards, aggregators, settings, address), ActorNames.Trainers);
        Receive<DeviceEnvelope>(envelope =>
        {
            switch (envelope)
            {
                case { Route: DeviceRoute.TrainerHost, Message: StartTraining start } when NotThroughAGateway(start) is { } why:
                    log.Warning("device: job {0}: {1}", start.JobId, why);
                    coordinator.Tell(new TrainerFailed(start.JobId, address, why));
                    break;
                case { Route: DeviceRoute.TrainerHost, Message: StartTraining start }:
                    // the coordinator is reached through the stream
                    trainers.Tell(start with { Coordinator = coordinator });
                    break;
                case { Route: DeviceRoute.TrainerHost, Message: StopTraining stop }:
                    trainers.Tell(stop);
                    break;
                case { Route: DeviceRoute.Trainer }:
                    Context.ActorSelection(trainers.Path / TrainerHostActor.ChildName(envelope.JobId)).Tell(envelope.Message, ActorRefs.NoSender);
                    break;
                default:
                    log.Warning("device: the gateway sent a {0} for the {1}; ignored", envelope.Message.GetType().Name, envelope.Route);
                    break;
            }
        });
    }

    /// <summary>Why a device cannot train <paramref name="start"/>'s job through a gateway (null: it can).</summary>
    public static string? NotThroughAGateway(StartTraining start) => start.Spec switch
    {
        { Privacy.SecureAggregation: true } => "secure aggregation does not run through a gateway yet (its rounds watch their participants)",
        { Model.Split: not null } => "split learning does not run through a gateway yet",
        _ => null,
    };

    /// <summary>Props for the host.</summary>
    public static Props Props(Action<DeviceEnvelope> send, EdgeTrainSettings settings, string address) =>
        Akka.Actor.Props.Create(() => new DeviceHostActor(send, settings, address));
}
