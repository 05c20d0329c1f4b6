using Akka.Actor;
using Akka.Event;
using EdgeTrain.Actors.Configuration;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Actors.Training;

/// <summary>
/// A node's trainer host (<c>/user/trainers</c>, on nodes with the trainer role): starts one
/// <see cref="TrainerActor"/> per job it is given and stops it on request. A repeated
/// <see cref="StartTraining"/> for a job already training here goes to its trainer, which takes
/// on the partitions it names; one that arrives while the job's trainer is stopping (a job paused
/// and resumed at once) waits until it has stopped and then starts a fresh trainer.
/// </summary>
public sealed class TrainerHostActor : ReceiveActor
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly HashSet<string> stopping = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StartTraining> waiting = new(StringComparer.Ordinal);

    /// <summary>Creates the host.</summary>
    public TrainerHostActor(IActorRef shards, IActorRef aggregators, EdgeTrainSettings settings, string node, IActorRef? splitServers = null)
    {
        void StartTrainer(StartTraining start)
        {
            log.Info("starting trainer for {0} (partitions {1} of {2})", start.JobId, string.Join(",", start.Assigned), start.Partitions);
            if (settings.Adversary is { } adversary)
            {
                log.Error("ADVERSARY: this node's trainer for {0} ATTACKS the job ({1}): edgetrain.training.adversary is set; for demonstrations of the defences only", start.JobId, adversary);
            }
            Context.Watch(Context.ActorOf(TrainerActor.Props(start, shards, aggregators, settings, node, splitServers: splitServers), ChildName(start.JobId)));
        }

        Receive<StartTraining>(start =>
        {
            var name = ChildName(start.JobId);
            if (stopping.Contains(name))
            {
                waiting[name] = start;
                return;
            }

            var running = Context.Child(name);
            if (!running.IsNobody())
            {
                // the same job again: the trainer takes on the partitions it is given now
                running.Forward(start);
                return;
            }

            StartTrainer(start);
        });
        Receive<StopTraining>(stop =>
        {
            var name = ChildName(stop.JobId);
            waiting.Remove(name);
            var child = Context.Child(name);
            if (!child.IsNobody())
            {
                stopping.Add(name);
                child.Forward(stop);
            }
        });
        Receive<Terminated>(terminated =>
        {
            var name = terminated.ActorRef.Path.Name;
            stopping.Remove(name);
            if (waiting.Remove(name, out var start))
            {
                StartTrainer(start);
            }
        });
    }

    /// <summary>Props for the host; <paramref name="splitServers"/>: the split-servers' shard region (split jobs).</summary>
    public static Props Props(IActorRef shards, IActorRef aggregators, EdgeTrainSettings settings, string node, IActorRef? splitServers = null) =>
        Akka.Actor.Props.Create(() => new TrainerHostActor(shards, aggregators, settings, node, splitServers));

    /// <summary>The name of the trainer of job <paramref name="jobId"/> under its host.</summary>
    internal static string ChildName(string jobId) => "trainer-" + Uri.EscapeDataString(jobId);
}
