using Akka.Actor;
using Akka.Event;
using EdgeTrain.Actors.Configuration;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Actors.Training;

/// <summary>
/// A node's trainer host (<c>/user/trainers</c>, on nodes with the trainer role): starts one
/// <see cref="TrainerActor"/> per job it is given and stops it on request. A repeated
/// <see cref="StartTraining"/> for a job already training here goes to its trainer, which takes
/// on the partitions it names.
/// </summary>
public sealed class TrainerHostActor : ReceiveActor
{
    private readonly ILoggingAdapter log = Context.GetLogger();

    /// <summary>Creates the host.</summary>
    public TrainerHostActor(IActorRef shards, IActorRef aggregators, EdgeTrainSettings settings, string node)
    {
        Receive<StartTraining>(start =>
        {
            var name = ChildName(start.JobId);
            var running = Context.Child(name);
            if (!running.IsNobody())
            {
                // the same job again: the trainer takes on the partitions it is given now
                running.Forward(start);
                return;
            }

            log.Info("starting trainer for {0} (partitions {1} of {2})", start.JobId, string.Join(",", start.Assigned), start.Partitions);
            Context.ActorOf(TrainerActor.Props(start, shards, aggregators, settings, node), name);
        });
        Receive<StopTraining>(stop => Context.Child(ChildName(stop.JobId)).Forward(stop));
    }

    /// <summary>Props for the host.</summary>
    public static Props Props(IActorRef shards, IActorRef aggregators, EdgeTrainSettings settings, string node) =>
        Akka.Actor.Props.Create(() => new TrainerHostActor(shards, aggregators, settings, node));

    private static string ChildName(string jobId) => "trainer-" + Uri.EscapeDataString(jobId);
}
