using System.Collections.Concurrent;
using Akka.Actor;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Commands.Hosting;
using EdgeTrain.Commands.Logging;
using EdgeTrain.Commands.Tests.Hosting;
using EdgeTrain.Core.Jobs;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Commands.Tests.Palettes;

/// <summary>Answers as the JobCoordinator would, with canned answers, and keeps what it was asked.</summary>
internal sealed class FakeCoordinatorActor : ReceiveActor
{
    public FakeCoordinatorActor(ConcurrentQueue<object> asked, Func<object, object?> answer) =>
        ReceiveAny(message =>
        {
            asked.Enqueue(message);
            if (answer(message) is { } reply)
            {
                Sender.Tell(reply);
            }
        });
}

/// <summary>
/// <c>job queue</c>, <c>job priority</c>, <c>node drain</c> and <c>job show</c> run through the command
/// executor (parsing, the token, the palette) against a stand-in coordinator on a one-node cluster.
/// </summary>
public sealed class SchedulerPaletteSpec(OneNodeCluster cluster) : IClassFixture<OneNodeCluster>
{
    private const string Token = "s3cret";
    private const string Node7 = "akka.tcp://edgetrain@10.0.0.7:4053";
    private readonly ConcurrentQueue<object> asked = new();

    private static readonly JobQueue Queue = new(
        [
            new QueueEntry(1, "big-1", 10, JobState.Running, 2, 2, 4, DateTime.UtcNow.AddMinutes(-5), null),
            new QueueEntry(2, "small-2", 0, JobState.Preempted, 0, 1, 0, DateTime.UtcNow.AddMinutes(-6), "preempted by big-1 (priority 10 over 0); resumes when 1 trainer(s) can be held again"),
        ],
        TotalSlots: 2,
        FreeSlots: 0);

    private static object? Answer(object message) => message switch
    {
        GetJobQueue => Queue,
        SetJobPriority { JobId: "big-1" } set => new JobPrioritySet(set.JobId, set.Priority, "small-2 resumes"),
        SetJobPriority { JobId: "done-3" } set => new JobControlRefused(set.JobId, JobControl.Pause, "job done-3 has already ended (Completed)"),
        SetJobPriority set => new JobUnknown(set.JobId),
        DrainNode { Address: Node7 } drain => new NodeDraining(drain.Address, ["big-1"], "no new trainer goes there"),
        DrainNode drain => new NodeUnknown(drain.Address, [Node7]),
        QuarantineNode { Address: Node7 } q => new NodeQuarantineChanged(q.Address, true, $"node {q.Address} quarantined: {q.Reason}"),
        QuarantineNode q => new NodeUnknown(q.Address, [Node7]),
        ReleaseNode { Address: Node7 } r => new NodeCommandRefused(r.Address, $"node {r.Address} is not quarantined; nothing to release"),
        ReleaseNode r => new NodeUnknown(r.Address, [Node7]),
        GetJobStatus { JobId: "small-2" } => new JobStatus("small-2", JobState.Preempted, 0.42, 1.1, 500, 0, 0, 7, 9, [], [], new Dictionary<string, int>(), "preempted") { Priority = 0, MinTrainers = 1 },
        AuditUpdates audit => new UpdateAudit(audit.JobId, 7, 0, null),
        _ => null,
    };

    private async Task<(int Exit, List<string> Output, List<string> Error)> Run(string line, string? token = Token)
    {
        var settings = new CommandHostSettings("127.0.0.1", 0, Token, TimeSpan.FromSeconds(3), 10, "", "");
        var coordinator = cluster.Node.System.ActorOf(Props.Create(() => new FakeCoordinatorActor(asked, Answer)));
        try
        {
            var executor = new CommandExecutor(cluster.Node, settings, new LogRing(10), coordinator);
            var output = new List<string>();
            var error = new List<string>();
            var exit = await executor.ExecuteAsync(line.Split(' '), token, "spec", text => Add(output, text), text => Add(error, text), CancellationToken.None);
            return (exit, output, error);
        }
        finally
        {
            cluster.Node.System.Stop(coordinator);
        }
    }

    private static Task Add(List<string> lines, string text)
    {
        lines.Add(text);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Job_queue_prints_the_table_in_the_order_of_service_and_the_slots()
    {
        var (exit, output, _) = await Run("job queue", token: null);

        Assert.Equal(0, exit);
        Assert.Equal(5, output.Count);
        Assert.StartsWith("#  JOB      PRIORITY  STATE      TRAINERS", output[0], StringComparison.Ordinal);
        Assert.StartsWith("1  big-1          10  running    2/2/4", output[1], StringComparison.Ordinal);
        Assert.StartsWith("2  small-2         0  preempted  0/1/any", output[2], StringComparison.Ordinal);
        Assert.EndsWith("preempted by big-1 (priority 10 over 0); resumes when 1 trainer(s) can be held again", output[2], StringComparison.Ordinal);
        Assert.Equal(["Slots: 2 trainer slots, 0 free", "Count: 2 unfinished jobs"], output[3..]);
    }

    [Fact]
    public async Task Job_priority_needs_the_token_sends_the_priority_with_who_asked_and_says_what_the_scheduler_did()
    {
        var refused = await Run("job priority -j big-1 -p 5", token: null);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("'job priority' changes the cluster or a job and needs the command token", refused.Error.Single(), StringComparison.Ordinal);
        Assert.DoesNotContain(asked, m => m is SetJobPriority);

        var set = await Run("job priority -j big-1 -p -5");
        var ended = await Run("job priority -j done-3 -p 1");
        var unknown = await Run("job priority -j nope -p 1");
        var outOfRange = await Run("job priority -j big-1 -p 1000001");

        Assert.Equal(0, set.Exit);
        Assert.Equal(["big-1: priority -5; small-2 resumes"], set.Output);
        Assert.Contains(new SetJobPriority("big-1", -5, "edgetrain-cmd (spec)"), asked);
        Assert.Equal(1, ended.Exit);
        Assert.Contains("job done-3 has already ended (Completed)", ended.Error.Single(), StringComparison.Ordinal);
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("no job 'nope' on this cluster", unknown.Error.Single(), StringComparison.Ordinal);
        Assert.Equal(2, outOfRange.Exit);
        Assert.Contains("--priority expects a whole number from -1000000 to 1000000, found '1000001'", outOfRange.Error.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Node_drain_needs_the_token_reads_the_short_address_and_names_the_known_nodes_for_an_unknown_one()
    {
        var refused = await Run("node drain -a 10.0.0.7:4053", token: "guess");
        var drained = await Run("node drain -a 10.0.0.7:4053");
        var unknown = await Run("node drain -a akka.tcp://edgetrain@10.0.0.8:4053");
        var malformed = await Run("node drain -a nowhere");

        Assert.Equal(1, refused.Exit);
        Assert.Equal(0, drained.Exit);
        Assert.Equal(["Draining " + Node7 + ": no new trainer goes there", "Still training there until they end or move: big-1"], drained.Output);
        Assert.Contains(asked, m => m is DrainNode { Address: Node7, By: "edgetrain-cmd (spec)" });
        Assert.Equal(1, unknown.Exit);
        Assert.Contains($"no node at akka.tcp://edgetrain@10.0.0.8:4053; it knows {Node7}", unknown.Error.Single(), StringComparison.Ordinal);
        Assert.Equal(2, malformed.Exit);
        Assert.Contains("'nowhere' is not a member address", malformed.Error.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Node_quarantine_and_release_need_the_token_pass_the_reason_and_refuse_clearly()
    {
        var refused = await Run("node quarantine -a 10.0.0.7:4053", token: "guess");
        var quarantined = await Run("node quarantine -a 10.0.0.7:4053 -r flips");
        var unknown = await Run("node quarantine -a 10.0.0.8:4053");
        var release = await Run("node release -a 10.0.0.7:4053");

        Assert.Equal(1, refused.Exit);
        Assert.Equal(0, quarantined.Exit);
        Assert.Equal([$"node {Node7} quarantined: flips"], quarantined.Output);
        Assert.Contains(asked, m => m is QuarantineNode { Address: Node7, Reason: "flips", By: "edgetrain-cmd (spec)" });
        Assert.Equal(1, unknown.Exit);
        Assert.Contains($"no node at akka.tcp://edgetrain@10.0.0.8:4053; it knows {Node7}", unknown.Error.Single(), StringComparison.Ordinal);
        Assert.Equal(1, release.Exit);
        Assert.Contains("is not quarantined; nothing to release", release.Error.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Job_show_of_a_waiting_job_gives_its_priority_reservation_place_and_reason()
    {
        var (exit, output, _) = await Run("job show -j small-2", token: null);

        Assert.Equal(0, exit);
        Assert.Contains("State: preempted", output);
        Assert.Contains("Priority: 0", output);
        Assert.Contains("Reservation: min 1, max any trainers", output);
        Assert.Contains("Queue: position 2, 0 trainers held", output);
        Assert.Contains("Waiting: preempted by big-1 (priority 10 over 0); resumes when 1 trainer(s) can be held again", output);
        Assert.Contains("Audit: 7 acknowledged updates, 0 lost", output);
    }
}
