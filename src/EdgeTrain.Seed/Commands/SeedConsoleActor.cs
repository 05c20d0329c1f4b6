using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using EdgeTrain.Commands.Formatting;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// The seed's console: one line per membership change, every few seconds one line per job that is
/// queued, starting (with what it waits for) or running, and once a job's end and why; and the
/// scheduler's queue — the jobs waiting for trainers, with their priority and why they wait —
/// whenever it changes.
/// </summary>
internal sealed class SeedConsoleActor : ReceiveActor, IWithTimers
{
    private readonly HashSet<string> ended = new(StringComparer.Ordinal);
    private IReadOnlyList<string> queuePrinted = [];

    public SeedConsoleActor(TextWriter output, IActorRef coordinator)
    {
        Receive<ClusterEvent.MemberUp>(e => output.WriteLine($"[member] up          {e.Member.Address} [{string.Join(",", e.Member.Roles)}]"));
        Receive<ClusterEvent.MemberLeft>(e => output.WriteLine($"[member] leaving     {e.Member.Address}"));
        Receive<ClusterEvent.MemberExited>(e => output.WriteLine($"[member] exited      {e.Member.Address}"));
        Receive<ClusterEvent.MemberRemoved>(e => output.WriteLine($"[member] removed     {e.Member.Address} (was {e.PreviousStatus})"));
        Receive<ClusterEvent.UnreachableMember>(e => output.WriteLine($"[member] unreachable {e.Member.Address}"));
        Receive<ClusterEvent.ReachableMember>(e => output.WriteLine($"[member] reachable   {e.Member.Address}"));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
        Receive<Tick>(_ =>
        {
            coordinator.Tell(ListJobs.Instance);
            coordinator.Tell(GetJobQueue.Instance);
        });
        Receive<JobList>(list =>
        {
            foreach (var job in list.Jobs)
            {
                // an ended job once, with its reason
                if (job.Finished && !ended.Add(job.JobId))
                {
                    continue;
                }

                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[job] {job.JobId} {job.State}: {job.ElapsedSeconds:0}s, {job.Samples:N0} samples ({job.SamplesPerSecond:N0}/s), loss {job.Loss:0.000}, {JobFormat.Score(job)}, {job.Updates} updates, priority {job.Priority}{(job.Privacy is { } privacy ? ", " + privacy.Describe() : "")}{(job.SecureAggregation is { } secure ? ", " + secure.Describe() : "")}{(job.Message is null ? "" : "; " + job.Message)}"));
            }
        });
        Receive<JobQueue>(queue =>
        {
            var lines = QueueReport.ConsoleLines(queue);
            if (lines.SequenceEqual(queuePrinted, StringComparer.Ordinal))
            {
                return;
            }

            foreach (var text in lines.Count > 0 ? lines : ["[queue] no job waits for trainers"])
            {
                output.WriteLine(text);
            }

            queuePrinted = lines;
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Timers.StartPeriodicTimer(nameof(Tick), Tick.Instance, TimeSpan.FromSeconds(5));

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
