using System.Text.Json;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Scheduling;
using EdgeTrain.Seed.Commands;
using EdgeTrain.Seed.Demo;
using EdgeTrain.Seed.Tests.Demo;
using EdgeTrain.Tests;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Seed.Tests.Cli;

/// <summary><c>submit --priority</c>, the queue in <c>status</c> (text and JSON) and on the seed console, and a job's line in the demo's live view.</summary>
public sealed class QueueReportSpec : IDisposable
{
    private const string Held = "needs 2 trainer(s); 0 of 3 slot(s) free for it; held by big-1 (priority 10, 3)";
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private static readonly JobQueue Queue = new(
        [
            new QueueEntry(1, "big-1", 10, JobState.Running, 3, 2, 0, DateTime.UtcNow, null),
            new QueueEntry(2, "small-2", 0, JobState.Queued, 0, 2, 4, DateTime.UtcNow, Held),
        ],
        TotalSlots: 3,
        FreeSlots: 0);

    private static JobStatus Status(string id, JobState state, string? message, int priority = 0) =>
        new(id, state, 0.5, 0.4, 1000, 100, 0, 3, 10, [], [], new Dictionary<string, int>(), message) { Priority = priority, MinTrainers = 2, MaxTrainers = 4 };

    [Fact]
    public void Submit_priority_overrides_the_job_files_and_may_be_negative()
    {
        var spec = JobSpecReader.Load(DemoOptionsSpec.JobFile(temp, "p.conf", "prio", priority: 4));

        Assert.Equal(4, ClusterCommands.WithPriority(spec, CommandLine.Parse(["p.conf"], ["--seed", "--priority"], [])).Priority);
        Assert.Equal(-7, ClusterCommands.WithPriority(spec, CommandLine.Parse(["--priority", "-7"], ["--seed", "--priority"], [])).Priority);
        Assert.Equal(spec with { Priority = 12 }, ClusterCommands.WithPriority(spec, CommandLine.Parse(["--priority=12"], ["--seed", "--priority"], [])));
        var e = Assert.Throws<InvalidInputException>(() => ClusterCommands.WithPriority(spec, CommandLine.Parse(["--priority", "high"], ["--seed", "--priority"], [])));
        Assert.Equal("command line: --priority: expected a whole number from -1000000 to 1000000, found 'high'", e.Message);
    }

    [Fact]
    public void Status_lists_the_queue_in_the_order_of_service_with_priority_trainers_and_reason()
    {
        var all = QueueReport.StatusLines(Queue).ToList();
        var one = QueueReport.StatusLines(Queue, ["small-2"]).ToList();

        Assert.Equal(
            [
                "queue (3 trainer slots, 0 free), in order of service:",
                "  1. big-1 Running, priority 10, trainers 3/2/any",
                "  2. small-2 Queued, priority 0, trainers 0/2/4: " + Held,
            ],
            all);
        Assert.Equal(["queue (3 trainer slots, 0 free), in order of service:", "  2. small-2 Queued, priority 0, trainers 0/2/4: " + Held], one);
        Assert.Empty(QueueReport.StatusLines(Queue, ["done-3"]));
        Assert.Contains(", priority 10; ", ClusterCommands.Describe(Status("big-1", JobState.Running, "training", 10)), StringComparison.Ordinal);
        Assert.StartsWith("small-2 Queued: ", ClusterCommands.Describe(Status("small-2", JobState.Queued, "x")), StringComparison.Ordinal);
    }

    [Fact]
    public void Status_json_stays_an_array_of_jobs_each_with_its_place_in_the_queue_and_why_it_waits()
    {
        JobStatus[] jobs = [Status("big-1", JobState.Running, null, 10), Status("small-2", JobState.Queued, "waiting for the scheduler"), Status("done-3", JobState.Completed, null)];

        using var json = JsonDocument.Parse(QueueReport.StatusJson(jobs, Queue, ClusterCommands.Json));
        using var noQueue = JsonDocument.Parse(QueueReport.StatusJson(jobs, null, ClusterCommands.Json));
        var items = json.RootElement.EnumerateArray().ToList();

        Assert.Equal(["big-1", "small-2", "done-3"], items.Select(j => j.GetProperty("jobId").GetString()));
        Assert.Equal([10, 0, 0], items.Select(j => j.GetProperty("priority").GetInt32()));
        Assert.Equal("Queued", items[1].GetProperty("state").GetString());
        Assert.Equal(2, items[1].GetProperty("queuePosition").GetInt32());
        Assert.Equal(Held, items[1].GetProperty("waiting").GetString());
        Assert.Equal(1, items[0].GetProperty("queuePosition").GetInt32());
        Assert.Equal(JsonValueKind.Null, items[0].GetProperty("waiting").ValueKind);
        Assert.Equal(JsonValueKind.Null, items[2].GetProperty("queuePosition").ValueKind);
        Assert.Equal(4, items[1].GetProperty("maxTrainers").GetInt32());
        Assert.Equal("waiting for the scheduler", noQueue.RootElement[1].GetProperty("waiting").GetString());
    }

    [Fact]
    public void The_seed_console_shows_only_the_jobs_that_wait_and_nothing_when_none_does()
    {
        Assert.Equal(
            ["[queue] 1 waiting; 3 trainer slots, 0 free", "[queue] 2. small-2 Queued, priority 0, trainers 0/2/4: " + Held],
            QueueReport.ConsoleLines(Queue));
        Assert.Empty(QueueReport.ConsoleLines(Queue with { Jobs = [Queue.Jobs[0]] }));
    }

    [Fact]
    public void The_live_view_gives_each_job_its_priority_trainers_and_why_it_waits()
    {
        var waiting = LiveView.JobLine(Status("small-2", JobState.Queued, "waiting for the scheduler"), Queue.Jobs[1], idWidth: 8);
        var running = LiveView.JobLine(Status("big-1", JobState.Running, "news", 10) with { TrainersOverTime = [new TrainerCount(1, 3)] }, null);
        var failed = LiveView.JobLine(Status("bad-4", JobState.Failed, "no trainer could train it"), null);

        Assert.StartsWith("small-2  Queued ", waiting, StringComparison.Ordinal);
        Assert.EndsWith("priority 0  trainers 0/2/4  " + Held, waiting, StringComparison.Ordinal);
        Assert.EndsWith("priority 10  trainers 3/2/4", running, StringComparison.Ordinal);
        Assert.EndsWith("trainers 0/2/4  no trainer could train it", failed, StringComparison.Ordinal);
    }
}
