using System.Text.Json;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Scheduling;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Seed.Demo;
using EdgeTrain.Tests;

namespace EdgeTrain.Seed.Tests.Demo;

/// <summary>The demo's one JSON line: the first job's fields as they have always been, and every job in <c>jobs</c>.</summary>
public sealed class DemoJsonSpec : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private JobSpec Spec(string name, int priority) => JobSpecReader.Load(DemoOptionsSpec.JobFile(temp, name + ".conf", name, priority));

    private static JobStatus Status(string id, JobState state, double accuracy, string? message, int priority, params TrainerCount[] trainers) =>
        new(id, state, accuracy, 0.3, 64_000, 5_000.04, 1_280_000, 900, 12.3456, [], [new EvaluationPoint(4.2, 20_000, 0.5, accuracy - 0.1), new EvaluationPoint(9.876, 50_000, 0.3, accuracy)],
            new Dictionary<string, int> { ["akka.tcp://edgetrain@127.0.0.1:5"] = 4 }, message)
        {
            Priority = priority,
            MinTrainers = 1,
            MaxTrainers = 2,
            TrainersOverTime = trainers,
        };

    private static JsonElement Parse(string line)
    {
        Assert.DoesNotContain('\n', line);
        using var json = JsonDocument.Parse(line);
        return json.RootElement.Clone();
    }

    [Fact]
    public void One_job_keeps_every_field_it_had_and_adds_a_jobs_array_of_one()
    {
        var run = new DemoJobRun(Spec("mnist-mlp", 0), Status("mnist-mlp-1", JobState.Completed, 0.95, null, 0, new TrainerCount(0.51234, 3)), "/r/metrics.csv", "/r/curves.png", "/r/jobs/mnist-mlp-1/model.bin");

        var json = Parse(DemoJson.Line(3, [run], null));

        Assert.Equal("cluster", json.GetProperty("mode").GetString());
        Assert.Equal("mnist-mlp-1", json.GetProperty("job").GetString());
        Assert.Equal(3, json.GetProperty("nodes").GetInt32());
        Assert.Equal(0.95, json.GetProperty("accuracy").GetDouble());
        Assert.Equal(12.35, json.GetProperty("seconds").GetDouble());
        Assert.Equal(64_000, json.GetProperty("samples").GetInt64());
        Assert.Equal(5_000, json.GetProperty("samplesPerSecond").GetDouble());
        Assert.Equal(1_280_000, json.GetProperty("bytesSent").GetInt64());
        Assert.Equal(20, json.GetProperty("bytesPerSample").GetDouble());
        Assert.Equal(0, json.GetProperty("bytesPulled").GetInt64());
        Assert.Equal("none/none", json.GetProperty("codecs").GetString());
        Assert.Equal(1, json.GetProperty("localSteps").GetInt32());
        Assert.Equal(4, json.GetProperty("shardsPerNode").GetProperty("akka.tcp://edgetrain@127.0.0.1:5").GetInt32());
        Assert.Equal(900, json.GetProperty("updates").GetInt64());
        Assert.Equal(9.88, json.GetProperty("secondsToTarget").GetDouble());
        Assert.Equal("Completed", json.GetProperty("state").GetString());
        Assert.False(json.TryGetProperty("reason", out _)); // as before: no reason, no key
        Assert.False(json.TryGetProperty("chaos", out _));
        Assert.Equal("/r/jobs/mnist-mlp-1/model.bin", json.GetProperty("model").GetString());

        var job = Assert.Single(json.GetProperty("jobs").EnumerateArray());
        Assert.Equal("mnist-mlp-1", job.GetProperty("job").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("reason").ValueKind);
        Assert.Equal(0.51, job.GetProperty("trainersOverTime")[0].GetProperty("seconds").GetDouble());
        Assert.Equal(3, job.GetProperty("trainersOverTime")[0].GetProperty("trainers").GetInt32());
        Assert.Equal(SeedCli.Success, DemoJson.ExitCode([run]));
    }

    [Fact]
    public void Several_jobs_each_have_an_entry_with_the_fields_scripts_rely_on_and_the_exit_code_needs_all_completed()
    {
        var low = new DemoJobRun(Spec("low", -1), Status("low-1", JobState.TimedOut, 0.61, "time limit reached", -1, new TrainerCount(0, 0), new TrainerCount(30.5, 2), new TrainerCount(41, 0)), "/r/low-1/metrics.csv", null, null);
        var high = new DemoJobRun(Spec("high", 9), Status("high-2", JobState.Completed, 0.93, null, 9, new TrainerCount(1.25, 3)), "/r/high-2/metrics.csv", "/r/high-2/curves.png", "/r/jobs/high-2/model.bin");
        var chaos = new { kills = 1 };

        var json = Parse(DemoJson.Line(3, [low, high], chaos));
        var jobs = json.GetProperty("jobs").EnumerateArray().ToList();

        // the single-job fields are the first job's
        Assert.Equal("low-1", json.GetProperty("job").GetString());
        Assert.Equal("TimedOut", json.GetProperty("state").GetString());
        Assert.Equal("time limit reached", json.GetProperty("reason").GetString());
        Assert.Equal(1, json.GetProperty("chaos").GetProperty("kills").GetInt32());
        Assert.False(json.TryGetProperty("model", out _));

        Assert.Equal(["low-1", "high-2"], jobs.Select(j => j.GetProperty("job").GetString()));
        foreach (var key in new[] { "job", "priority", "state", "reason", "accuracy", "seconds", "samples", "trainersOverTime" })
        {
            Assert.All(jobs, j => Assert.True(j.TryGetProperty(key, out _), key));
        }

        Assert.Equal([-1, 9], jobs.Select(j => j.GetProperty("priority").GetInt32()));
        Assert.Equal(["TimedOut", "Completed"], jobs.Select(j => j.GetProperty("state").GetString()));
        Assert.Equal("time limit reached", jobs[0].GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, jobs[1].GetProperty("reason").ValueKind);
        Assert.Equal(0.61, jobs[0].GetProperty("accuracy").GetDouble());
        Assert.Equal(12.35, jobs[1].GetProperty("seconds").GetDouble());
        Assert.Equal(64_000, jobs[1].GetProperty("samples").GetInt64());
        Assert.Equal([(0.0, 0), (30.5, 2), (41.0, 0)], jobs[0].GetProperty("trainersOverTime").EnumerateArray().Select(t => (t.GetProperty("seconds").GetDouble(), t.GetProperty("trainers").GetInt32())));
        Assert.Equal(30.5, jobs[0].GetProperty("startedAfterSeconds").GetDouble());
        Assert.Equal(9.88, jobs[1].GetProperty("secondsToTarget").GetDouble());
        Assert.False(jobs[0].TryGetProperty("secondsToTarget", out _)); // low never reached its target of 0.9
        Assert.Equal("/r/high-2/curves.png", jobs[1].GetProperty("curves").GetString());
        Assert.Equal("/r/low-1/metrics.csv", jobs[0].GetProperty("metrics").GetString());
        Assert.Equal((1, 2), (jobs[0].GetProperty("minTrainers").GetInt32(), jobs[0].GetProperty("maxTrainers").GetInt32()));

        Assert.Equal(SeedCli.Failure, DemoJson.ExitCode([low, high]));
        Assert.Equal(SeedCli.Success, DemoJson.ExitCode([high]));
    }

    [Fact]
    public void Attackers_quarantined_nodes_and_reputations_are_in_the_line_when_known()
    {
        var run = new DemoJobRun(Spec("mnist-mlp-robust", 0), Status("mnist-mlp-robust-1", JobState.Completed, 0.95, null, 0, new TrainerCount(0.5, 10)), "/r/metrics.csv", null, null);
        var reputation = new DemoReputation(
            ["akka.tcp://edgetrain@127.0.0.1:5"],
            [new QuarantinedNode("akka.tcp://edgetrain@127.0.0.1:5", 12.5, 6)],
            new Dictionary<string, double> { ["akka.tcp://edgetrain@127.0.0.1:5"] = 0.087, ["akka.tcp://edgetrain@127.0.0.1:6"] = 0.97 });

        var json = Parse(DemoJson.Line(10, [run], null, reputation: reputation));
        var before = Parse(DemoJson.Line(10, [run], null));

        Assert.Equal("akka.tcp://edgetrain@127.0.0.1:5", json.GetProperty("attackers")[0].GetString());
        Assert.Equal("akka.tcp://edgetrain@127.0.0.1:5", json.GetProperty("quarantined")[0].GetProperty("node").GetString());
        Assert.Equal(12.5, json.GetProperty("quarantined")[0].GetProperty("seconds").GetDouble());
        Assert.Equal(6, json.GetProperty("quarantined")[0].GetProperty("rounds").GetInt64());
        Assert.Equal(0.97, json.GetProperty("reputation").GetProperty("akka.tcp://edgetrain@127.0.0.1:6").GetDouble());
        Assert.False(before.TryGetProperty("attackers", out _));
    }
}
