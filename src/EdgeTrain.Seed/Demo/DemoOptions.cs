using System.Globalization;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core;
using EdgeTrain.Core.Adversaries;
using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Seed.Demo;

/// <summary>
/// The demo's command line: <c>--nodes N --job JOB.conf [--job JOB2.conf …] [--json] [--regions K]
/// [--port P] [--out DIR] [--chaos PLAN] [--config F …] [--cmd-port P] [--dashboard-port P] [--adversaries K:MODE] [--insecure]</c>, and where its run folder
/// and each job's outputs go.
/// </summary>
/// <param name="JobPaths">The job files, in the order they are submitted (at least one).</param>
/// <param name="Nodes">How many node processes to start.</param>
/// <param name="Regions">How many regions the nodes are spread over.</param>
/// <param name="Out">The run folder as given (null: under <c>runs/</c>, named after the jobs).</param>
/// <param name="Port">The seed's port (0: any free one).</param>
/// <param name="Chaos">The chaos plan, if any.</param>
/// <param name="CmdPort">The seed's command host port as given (null: 9110 when free; 0: none).</param>
/// <param name="Configs">Extra HOCON files for every process.</param>
/// <param name="Json">Whether to end with one JSON line.</param>
/// <param name="Attackers">How many of the nodes (the first ones) attack, with all their trainers (0: none).</param>
/// <param name="Attack">How they attack (null when none does).</param>
/// <param name="Insecure">Whether <c>--insecure</c> was given: the demo runs without TLS (debugging only).</param>
internal sealed record DemoOptions(
    IReadOnlyList<string> JobPaths, int Nodes, int Regions, string? Out, int Port, ChaosPlan? Chaos, int? CmdPort, IReadOnlyList<string> Configs, bool Json,
    int Attackers = 0, Adversary? Attack = null, bool Insecure = false)
{
    /// <summary>The seed's dashboard port as given (null: 9111 when free, else any free one; 0: none).</summary>
    public int? DashboardPort { get; init; }

    private static readonly string[] Valued = ["--nodes", "--job", "--regions", "--port", "--out", "--chaos", "--config", "--cmd-port", "--adversaries", "--dashboard-port"];
    private static readonly string[] Switches = ["--json", InsecureMode.Switch];

    /// <summary>Reads the demo's arguments (the job files are not read here).</summary>
    /// <exception cref="InvalidInputException">an unknown or malformed switch, or no <c>--job</c>.</exception>
    public static DemoOptions Parse(IReadOnlyList<string> args)
    {
        var line = CommandLine.Parse(args, Valued, Switches);
        line.AllowPositionals(0, "demo --nodes N --job JOB.conf [--job JOB2.conf …] [--json]");
        var jobs = line.Values("--job");
        if (jobs.Count == 0)
        {
            throw new InvalidInputException("command line", "--job", "missing; expected the path of a job file");
        }

        var nodes = line.Int("--nodes", 3, 1, 64);
        var (attackers, attack) = line.Option("--adversaries") is { } adversaries ? Adversaries(adversaries, nodes) : (0, null);
        return new DemoOptions(
            jobs,
            nodes,
            line.Int("--regions", Math.Min(2, nodes), 1, nodes),
            line.Option("--out"),
            line.Int("--port", 0, 0, 65535),
            line.Option("--chaos") is { } chaos ? ChaosPlan.Parse(chaos) : null,
            line.Option("--cmd-port") is null ? null : line.Int("--cmd-port", 0, 0, 65535),
            line.Options("--config"),
            line.Flag("--json"),
            attackers,
            attack,
            line.Flag(InsecureMode.Switch))
        {
            DashboardPort = line.Option("--dashboard-port") is null ? null : line.Int("--dashboard-port", 0, 0, 65535),
        };
    }

    /// <summary>Reads <c>--adversaries K:MODE</c>: K of the <paramref name="nodes"/> nodes (1 to N), MODE one of <see cref="Adversary.Modes"/>.</summary>
    /// <exception cref="InvalidInputException">not K:MODE, K out of range, or an unknown MODE.</exception>
    public static (int Count, Adversary Attack) Adversaries(string text, int nodes)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !int.TryParse(text[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            throw new InvalidInputException("command line", "--adversaries", $"expected K:MODE (K attacking nodes, MODE one of {Adversary.Modes}), found '{text}'");
        }

        if (count < 1 || count > nodes)
        {
            throw new InvalidInputException("command line", "--adversaries", $"expected K from 1 to the {nodes} node(s) of --nodes, found {count}");
        }

        var attack = Adversary.Parse(text[(colon + 1)..], "command line", "--adversaries")
            ?? throw new InvalidInputException("command line", "--adversaries", $"expected a MODE after '{text[..(colon + 1)]}': one of {Adversary.Modes}");
        return (count, attack);
    }

    /// <summary>
    /// Refuses two job files that name the same job: the coordinator runs one job of a name at a time,
    /// so the second would be rejected after the cluster had started.
    /// </summary>
    /// <exception cref="InvalidInputException">naming the second file and the first.</exception>
    public static void CheckNames(IReadOnlyList<(string Path, JobSpec Spec)> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, spec) in jobs)
        {
            if (!seen.TryAdd(spec.Name, path))
            {
                throw new InvalidInputException(path, "job.name", $"'{spec.Name}' is also the name of the job in {seen[spec.Name]}; the coordinator runs one job of a name at a time, so give each --job its own job.name");
            }
        }
    }

    /// <summary>
    /// The run folder: <see cref="Out"/> when given, else <c>runs/NAME</c> for one job and
    /// <c>runs/NAME1+NAME2…</c> for several; a full path.
    /// </summary>
    public string RunFolder(IReadOnlyList<JobSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        return Path.GetFullPath(Out ?? Path.Combine("runs", string.Join("+", specs.Select(s => s.Name))));
    }

    /// <summary>
    /// Where a job's <c>metrics.csv</c> and <c>curves.png</c> go: the run folder itself when the demo
    /// runs one job (as it always has), else the job's own folder <c>RUN/JOB-ID/</c>.
    /// </summary>
    public static string JobFolder(string runFolder, string jobId, int jobs) => jobs == 1 ? runFolder : Path.Combine(runFolder, jobId);
}
