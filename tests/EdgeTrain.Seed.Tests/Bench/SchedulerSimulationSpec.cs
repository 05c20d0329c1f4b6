using System.Text.Json;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Scheduling;
using EdgeTrain.Seed.Bench;
using EdgeTrain.Seed.Cli;

namespace EdgeTrain.Seed.Tests.Bench;

/// <summary>The scheduler simulation behind <c>edgetrain bench scheduler</c>: what it drives, not how fast.</summary>
public sealed class SchedulerSimulationSpec
{
    private static readonly SimulationSettings Small = new(Trainers: 40, Jobs: 6, Seconds: 60, Seed: 3);

    [Fact]
    public void No_node_trains_more_jobs_than_its_slots_and_every_job_ends()
    {
        var overSlots = new List<string>();
        var ticks = 0;

        var result = SchedulerSimulation.Run(Small, (now, state) =>
        {
            ticks++;
            var held = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var job in state.Jobs)
            {
                foreach (var node in job.Placement.Keys)
                {
                    held[node] = held.GetValueOrDefault(node) + 1;
                }
            }

            overSlots.AddRange(held.Where(h => !state.Nodes.TryGetValue(h.Key, out var node) || h.Value > node.Slots)
                .Select(h => $"{now:HH:mm:ss} {h.Key}: {h.Value} jobs"));
        });

        Assert.Empty(overSlots);
        Assert.Empty(result.Violations);
        Assert.Equal(Small.Jobs, result.Ends.Where(e => e.Key is JobState.Completed or JobState.TimedOut or JobState.Failed).Sum(e => e.Value));
        Assert.Equal(ticks, result.Rounds.Count);
        Assert.True(result.SimulatedSeconds >= Small.Seconds);
    }

    [Fact]
    public void The_simulation_exercises_the_scheduler_and_times_every_round_and_report()
    {
        var result = SchedulerSimulation.Run(Small);

        Assert.Equal(Small.Jobs, result.Decisions[nameof(FinishJob)]);
        Assert.True(result.Decisions[nameof(PlaceJob)] >= Small.Jobs);
        Assert.True(result.Decisions.GetValueOrDefault(nameof(GrowJob)) > 0);
        Assert.True(result.Decisions.GetValueOrDefault(nameof(ShrinkJob)) + result.Decisions.GetValueOrDefault(nameof(PreemptJob)) > 0);
        Assert.True(result.Records.Count > result.Rounds.Count);
        Assert.Equal(result.Rounds.Count, result.DecideOnly.Count);
        Assert.True(result.Rounds.Percentile(0.99) >= result.Rounds.Percentile(0.5));
        // StateBytes is not checked here: GC.GetTotalMemory is the whole process's, and the other test
        // classes running beside this one allocate and free at the same time
        Assert.True(result.PeakTrainers > 0);
    }

    [Fact]
    public void The_same_seed_gives_the_same_decisions()
    {
        var first = SchedulerSimulation.Run(Small);
        var second = SchedulerSimulation.Run(Small);
        var other = SchedulerSimulation.Run(Small with { Seed = 4 });

        Assert.Equal(first.Digest, second.Digest);
        Assert.Equal(first.Decisions, second.Decisions);
        Assert.NotEqual(first.Digest, other.Digest);
    }

    [Fact]
    public void The_bench_command_prints_a_table_and_one_line_of_json()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = SeedCli.Run(["bench", "scheduler", "--trainers", "30", "--jobs", "4", "--seconds", "30", "--json"], output, error, CancellationToken.None);

        Assert.True(code == SeedCli.Success, error.ToString());
        var lines = output.ToString().TrimEnd().Split('\n');
        Assert.Contains(lines, l => l.StartsWith("| 30 | 4 |", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(lines[^1]);
        var root = json.RootElement;
        Assert.Equal(30, root.GetProperty("trainers").GetInt32());
        Assert.Equal(4, root.GetProperty("jobs").GetInt32());
        Assert.True(root.GetProperty("p99Ms").GetDouble() >= root.GetProperty("p50Ms").GetDouble());
        Assert.True(root.GetProperty("stateBytes").GetInt64() > 0);
        Assert.Equal(0, root.GetProperty("violations").GetArrayLength());
    }

    [Theory]
    [InlineData("bench")]
    [InlineData("bench", "merge")]
    [InlineData("bench", "scheduler", "--trainers", "0")]
    public void A_bench_without_a_known_benchmark_or_with_a_bad_number_is_a_usage_error(params string[] args)
    {
        var error = new StringWriter();

        Assert.Equal(SeedCli.BadInput, SeedCli.Run(args, new StringWriter(), error, CancellationToken.None));
        Assert.StartsWith("edgetrain: command line:", error.ToString(), StringComparison.Ordinal);
    }
}
