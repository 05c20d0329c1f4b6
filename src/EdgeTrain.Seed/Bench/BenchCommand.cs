using System.Globalization;
using System.Text.Json;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core;
using EdgeTrain.Seed.Cli;

namespace EdgeTrain.Seed.Bench;

/// <summary>
/// <c>edgetrain bench scheduler --trainers N --jobs M [--seconds S] [--seed K] [--json]</c>: runs the
/// scheduler simulation (<see cref="SchedulerSimulation"/>) and prints a table of its figures: the
/// scheduler rounds (Decide plus carrying its decisions out) per second of their wall-clock time, the
/// Decide latency percentiles, the Record latency percentiles, and the state's memory; with
/// <c>--json</c> also one last line of JSON; with <c>--trace</c> first every round that decided
/// something, with its time. Exit 1 when an invariant broke (standard error names it).
/// </summary>
internal static class BenchCommand
{
    private const string Usage = "bench scheduler --trainers N --jobs M [--seconds S] [--seed K] [--json] [--trace]";

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        if (args is ["enrol", ..])
        {
            return EnrolBench.Run([.. args.Skip(1)], output);
        }

        if (args is ["gateway", ..])
        {
            return GatewayBench.Run([.. args.Skip(1)], output);
        }

        var line = CommandLine.Parse(args, ["--trainers", "--jobs", "--seconds", "--seed"], ["--json", "--trace"]);
        line.AllowPositionals(1, Usage);
        if (line.Positionals is not ["scheduler"])
        {
            throw new InvalidInputException("command line", line.Positionals.Count == 0 ? "bench" : line.Positionals[0], $"expected a benchmark: {Usage} | bench enrol [--count N] [--json] | bench gateway [--devices N] [--seconds S] [--interval-ms I] [--json]");
        }

        var settings = new SimulationSettings(
            line.Int("--trainers", 1000, 1, 1_000_000),
            line.Int("--jobs", 20, 1, 10_000),
            line.Int("--seconds", 120, 10, 86_400),
            line.Int("--seed", 1, 0, int.MaxValue));
        // A run of the same size first (another seed, at most 60 s), and a second's rest, so that the
        // measured run finds the runtime's tiered JIT done: while it is at work, a round now and then
        // waits 10-20 ms for it (measured: none with DOTNET_TieredCompilation=0), which is the start-up
        // of a coordinator, not its steady state.
        SchedulerSimulation.Run(settings with { Seconds = Math.Min(settings.Seconds, 60), Seed = settings.Seed + 1 });
        Thread.Sleep(TimeSpan.FromSeconds(1));
        var trace = line.Flag("--trace");
        var result = SchedulerSimulation.Run(settings, round: (second, decide, execute, collections, decisions) =>
        {
            if (trace && (decisions.Count > 0 || collections > 0))
            {
                output.WriteLine(Text($"t={second,4}s {(decide + execute) * 1e3,9:0.000} ms (decide {decide * 1e3:0.000}, execute {execute * 1e3:0.000}{(collections > 0 ? $", {collections} GC" : "")}): {string.Join("; ", decisions.Select(SchedulerSimulation.Describe))}"));
            }
        });
        Print(result, output);
        if (line.Flag("--json"))
        {
            output.WriteLine(Json(result));
        }

        foreach (var violation in result.Violations)
        {
            error.WriteLine($"edgetrain bench: invariant broken: {violation}");
        }

        return result.Violations.Count == 0 ? SeedCli.Success : SeedCli.Failure;
    }

    /// <summary>The figures as one line of JSON (the names scripts rely on: trainers, jobs, p50Ms, p99Ms, stateBytes).</summary>
    public static string Json(SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return JsonSerializer.Serialize(new
        {
            benchmark = "scheduler",
            trainers = result.Settings.Trainers,
            jobs = result.Settings.Jobs,
            seconds = result.Settings.Seconds,
            seed = result.Settings.Seed,
            simulatedSeconds = result.SimulatedSeconds,
            rounds = result.Rounds.Count,
            roundsPerSecond = Round(PerSecond(result.Rounds.Count, result.Rounds.TotalSeconds), 1),
            decisions = result.Decisions.Values.Sum(),
            decisionsPerSecond = Round(PerSecond(result.Decisions.Values.Sum(), result.Rounds.TotalSeconds), 1),
            p50Ms = Round(result.Rounds.Percentile(0.50) * 1e3, 4),
            p99Ms = Round(result.Rounds.Percentile(0.99) * 1e3, 4),
            maxMs = Round(result.Rounds.MaxSeconds * 1e3, 4),
            decideOnlyP50Ms = Round(result.DecideOnly.Percentile(0.50) * 1e3, 4),
            decideOnlyP99Ms = Round(result.DecideOnly.Percentile(0.99) * 1e3, 4),
            records = result.Records.Count,
            recordP50Us = Round(result.Records.Percentile(0.50) * 1e6, 3),
            recordP99Us = Round(result.Records.Percentile(0.99) * 1e6, 3),
            recordMaxUs = Round(result.Records.MaxSeconds * 1e6, 3),
            stateBytes = result.StateBytes,
            allocatedBytesPerRound = (long)result.AllocatedPerRound,
            gcGen0 = result.Collected.Gen0,
            gcGen1 = result.Collected.Gen1,
            gcGen2 = result.Collected.Gen2,
            gcDuringRounds = result.Collected.DuringRounds,
            peakTrainers = result.PeakTrainers,
            decisionsByKind = result.Decisions,
            jobEnds = result.Ends.ToDictionary(e => e.Key.ToString(), e => e.Value),
            violations = result.Violations,
            digest = result.Digest,
        });
    }

    private static void Print(SimulationResult result, TextWriter output)
    {
        var s = result.Settings;
        var total = result.Decisions.Values.Sum();
        output.WriteLine(Text($"scheduler simulation: {s.Trainers:N0} trainer nodes, {s.Jobs} jobs, seed {s.Seed}: {s.Seconds} simulated s of arrivals, {result.SimulatedSeconds} until every job ended"));
        output.WriteLine();
        output.WriteLine("| trainers | jobs | rounds | rounds/s | decisions | decisions/s | Decide p50 ms | Decide p99 ms | max ms | Record p50 µs | Record p99 µs | state MB |");
        output.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        output.WriteLine(Text(
            $"| {s.Trainers:N0} | {s.Jobs} | {result.Rounds.Count:N0} | {PerSecond(result.Rounds.Count, result.Rounds.TotalSeconds):N0} | {total:N0} | {PerSecond(total, result.Rounds.TotalSeconds):N0} | {result.Rounds.Percentile(0.5) * 1e3:0.000} | {result.Rounds.Percentile(0.99) * 1e3:0.000} | {result.Rounds.MaxSeconds * 1e3:0.000} | {result.Records.Percentile(0.5) * 1e6:0.00} | {result.Records.Percentile(0.99) * 1e6:0.00} | {result.StateBytes / 1048576.0:0.0} |"));
        output.WriteLine();
        output.WriteLine(Text($"Decide alone: p50 {result.DecideOnly.Percentile(0.5) * 1e3:0.000} ms, p99 {result.DecideOnly.Percentile(0.99) * 1e3:0.000} ms; {result.AllocatedPerRound / 1024:N0} KiB allocated per round; {result.Records.Count:N0} reports recorded; at most {result.PeakTrainers:N0} trainers placed at once"));
        output.WriteLine(Text($"garbage collections: {result.Collected.Gen0} gen 0, {result.Collected.Gen1} gen 1, {result.Collected.Gen2} gen 2 ({result.Collected.DuringRounds} within a timed round)"));
        output.WriteLine(Text($"decisions: {string.Join(", ", result.Decisions.Select(d => $"{d.Value:N0} {d.Key}"))}"));
        output.WriteLine(Text($"jobs: {string.Join(", ", result.Ends.OrderBy(e => e.Key).Select(e => $"{e.Value} {e.Key.ToString().ToLowerInvariant()}"))}; invariants: {(result.Violations.Count == 0 ? "held" : $"{result.Violations.Count} broken")}; decision digest {result.Digest}"));
    }

    private static double PerSecond(long count, double seconds) => seconds > 0 ? count / seconds : 0;

    private static double Round(double value, int digits) => Math.Round(value, digits);

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
