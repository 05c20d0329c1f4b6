using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Actors.Security;
using EdgeTrain.Commands.Dashboard;
using EdgeTrain.Commands.Formatting;
using EdgeTrain.Commands.Hosting;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Seed.Commands;
using EdgeTrain.Seed.Output;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Seed.Demo;

/// <summary>
/// <c>edgetrain demo --nodes N --job JOB.conf [--job JOB2.conf …] [--json] [--regions K] [--port P] [--out DIR] [--cmd-port P] [--dashboard-port P]</c>:
/// starts a seed and N node processes on loopback (SQLite persistence in one run folder), submits
/// every job in order (each with its file's priority), shows a live view (every job's state,
/// priority, trainers and why it waits; members and roles, slices per node, samples/s, loss,
/// accuracy) until all have ended, writes each job's <c>metrics.csv</c> and <c>curves.png</c> (in the
/// run folder for one job, in <c>RUN/JOB-ID/</c> for several) beside the trained models, ends with one
/// JSON line, and stops every process it started, also on Ctrl-C. Exit code 0 only when every job
/// completed. A chaos plan is timed by, and its recoveries measured on, the first job.
/// </summary>
internal static class DemoCommand
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(120);

    // a coordinator that leaves the queue unanswered this many times in a row is not asked again
    private const int QueueMisses = 3;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken stop)
    {
        var options = DemoOptions.Parse(args);
        if (options.Insecure)
        {
            error.WriteLine(InsecureMode.Warning("edgetrain demo"));
        }

        var jobs = options.JobPaths.Select(path => (Path: path, Spec: JobSpecReader.Load(path))).ToList();
        DemoOptions.CheckNames(jobs);
        var specs = jobs.Select(j => j.Spec).ToList();
        var count = options.Nodes;
        var regions = options.Regions;
        var runDir = options.RunFolder(specs);
        var port = options.Port > 0 ? options.Port : FreePort();
        // the seed's command host: 9110 when free (or --cmd-port; 0: none), and a token for the
        // commands that change things: the caller's EDGETRAIN_CMD_TOKEN, else a fresh one printed below
        var cmdPort = options.CmdPort ?? (PortFree(CommandHostSettings.DefaultPort) ? CommandHostSettings.DefaultPort : FreePort());
        var dashboardPort = options.DashboardPort ?? (PortFree(DashboardHost.DefaultPort) ? DashboardHost.DefaultPort : FreePort());
        var cmdToken = Environment.GetEnvironmentVariable(CommandHostSettings.TokenVariable) is { Length: > 0 } given ? given : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        Fresh(runDir);
        var logs = Directory.CreateDirectory(Path.Combine(runDir, "logs")).FullName;
        // secured by default: a CA of the run's own, the seed holding it, every node enrolling with a token
        using var pki = options.Insecure ? null : DemoPki.Create(runDir, FreePort());

        var seedDll = typeof(SeedCli).Assembly.Location;
        var nodeDll = Path.Combine(AppContext.BaseDirectory, "edgetrain-node.dll");
        var seedAddress = $"127.0.0.1:{port}";
        var threads = Math.Max(1, Environment.ProcessorCount / count).ToString(CultureInfo.InvariantCulture);
        using var children = new ChildProcesses();
        using var cancelRegistration = stop.Register(children.Dispose);
        var live = new LiveView(output, Console.IsOutputRedirected);
        live.Note($"demo {string.Join(", ", specs.Select(s => s.Name))}: seed on {seedAddress}, {count} nodes in {regions} region(s), run folder {runDir}");
        // --config (e.g. hocon/postgres.conf) goes to every process
        var configs = options.Configs.SelectMany(c => new[] { "--config", Path.GetFullPath(c) }).ToArray();
        live.Note(pki is null ? "INSECURE: no TLS between the processes, any process may join (--insecure)" : $"mutual TLS: CA {pki.Describe}");
        children.Start("seed", seedDll, ["seed", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", runDir, "--cmd-port", cmdPort.ToString(CultureInfo.InvariantCulture), "--dashboard-port", dashboardPort.ToString(CultureInfo.InvariantCulture), .. pki?.SeedArgs() ?? [InsecureMode.Switch], .. configs],
            Path.Combine(logs, "seed.log"), new Dictionary<string, string> { [CommandHostSettings.TokenVariable] = cmdToken });
        if (cmdPort > 0)
        {
            live.Note($"ops: edgetrain-cmd 127.0.0.1:{cmdPort} cluster show (commands that change the cluster or a job: --token {cmdToken})");
        }

        if (dashboardPort > 0)
        {
            live.Note($"dashboard: http://127.0.0.1:{dashboardPort}/ (read-only: members, jobs, live curves, slices, events)");
        }

        var nodeNames = Enumerable.Range(1, count).Select(i => $"node-{i}").ToArray();
        // --adversaries K:MODE: the first K nodes attack with every trainer (edgetrain.training.adversary in a file of their own)
        string[] attack = [];
        if (options.Attack is { } adversary)
        {
            var file = Path.Combine(runDir, "adversary.conf");
            File.WriteAllText(file, $"# written by edgetrain demo --adversaries: these nodes ATTACK the job\nedgetrain.training.adversary = \"{adversary}\"\n");
            // a device that dies mid-round is a trainer: hosting slices or the aggregator, its death would be another failure
            attack = adversary.Mode == Core.Adversaries.AdversaryMode.DropMidRound ? ["--config", file, "--roles", "trainer"] : ["--config", file];
            live.Note($"ADVERSARIES: {string.Join(", ", nodeNames.Take(options.Attackers))} attack every job ({adversary})");
        }

        for (var i = 0; i < count; i++)
        {
            children.Start(nodeNames[i], nodeDll,
                ["--seed", seedAddress, "--data-dir", runDir, "--region", $"region-{(char)('a' + (i % regions))}", "--torch-threads", threads, "--cmd-port", "0", .. pki?.NodeArgs(nodeNames[i]) ?? [InsecureMode.Switch], .. configs, .. i < options.Attackers ? attack : []],
                Path.Combine(logs, $"node-{i + 1}.log"));
        }

        await using var client = EdgeTrainClient.Connect([seedAddress], pki?.Client() ?? ClientSecurity.Insecure);
        var nodes = await WaitForNodesAsync(client, count, children, live, stop).ConfigureAwait(false);
        if (nodes is null)
        {
            return SeedCli.Failure;
        }

        var ids = new List<string>();
        var submittedUtc = DateTime.UtcNow;
        foreach (var spec in specs)
        {
            var answer = await ClusterCommands.Ask(client, new SubmitJob(spec), [seedAddress]).ConfigureAwait(false);
            if (answer is not JobAccepted accepted)
            {
                error.WriteLine($"edgetrain demo: the job{(specs.Count > 1 ? " " + spec.Name : "")} was not accepted: {(answer as JobRejected)?.Reason ?? answer.GetType().Name}");
                return SeedCli.Failure;
            }

            ids.Add(accepted.JobId);
            live.Note(string.Create(CultureInfo.InvariantCulture,
                $"submitted {spec.Name} as {accepted.JobId} (priority {spec.Priority}, trainers min {spec.MinTrainers}, max {(spec.MaxTrainers == 0 ? "any" : spec.MaxTrainers.ToString(CultureInfo.InvariantCulture))})"));
        }

        // the chaos plan follows the first job: its time, its slices, its recoveries
        var first = ids[0];
        var chaos = options.Chaos is null ? null : new ChaosMonkey(options.Chaos, children, logs, live.Note);
        var latest = new Dictionary<string, JobStatus>(StringComparer.Ordinal);
        var queueMisses = 0;
        while (!ids.All(id => latest.TryGetValue(id, out var s) && s.Finished))
        {
            if (children.FirstExited() is { } exited)
            {
                error.WriteLine($"edgetrain demo: {exited.Name} exited with code {exited.Process.ExitCode}; last lines of {exited.Log}:\n{ChildProcesses.Tail(exited.Log)}");
                return SeedCli.Failure;
            }

            foreach (var id in ids.Where(id => !(latest.TryGetValue(id, out var known) && known.Finished)))
            {
                if (await ClusterCommands.Ask(client, new GetJobStatus(id), [seedAddress]).ConfigureAwait(false) is JobStatus status)
                {
                    latest[id] = status;
                }
            }

            JobQueue? queue = null;
            if (queueMisses < QueueMisses && ids.Any(latest.ContainsKey))
            {
                queue = await ClusterCommands.TryQueueAsync(client).ConfigureAwait(false);
                queueMisses = queue is null ? queueMisses + 1 : 0;
            }

            nodes = await RefreshNodesAsync(client, nodes).ConfigureAwait(false);
            live.Show([.. ids.Where(latest.ContainsKey).Select(id => latest[id])], queue, nodes);
            if (chaos is not null && latest.TryGetValue(first, out var followed)
                && await ClusterCommands.Ask(client, new GetSliceHealth(first), [seedAddress]).ConfigureAwait(false) is SliceHealthReport health)
            {
                chaos.Step(followed, health, nodeNames);
            }

            if (stop.IsCancellationRequested)
            {
                error.WriteLine("edgetrain demo: cancelled; stopping every process");
                return SeedCli.Failure;
            }

            if (!ids.All(id => latest.TryGetValue(id, out var s) && s.Finished))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }

        // the coordinator saves each model as its job ends; give the last ones a moment
        var models = ids.Select(id => JobFiles.ModelPath(runDir, id)).ToList();
        for (var waited = 0; waited < 30 && !models.All(File.Exists); waited++)
        {
            await Task.Delay(500, CancellationToken.None).ConfigureAwait(false);
        }

        var runs = new List<DemoJobRun>();
        for (var i = 0; i < ids.Count; i++)
        {
            var (spec, final, model) = (specs[i], latest[ids[i]], models[i]);
            var folder = Directory.CreateDirectory(DemoOptions.JobFolder(runDir, final.JobId, ids.Count)).FullName;
            var rows = MetricRow.From(final.Curve);
            var csv = Path.Combine(folder, "metrics.csv");
            var png = Path.Combine(folder, "curves.png");
            MetricsCsv.Write(csv, "evaluation", rows);
            if (rows.Count > 0)
            {
                CurvesChart.Write(png, $"{spec.Name} on {count} nodes", rows);
            }

            var run = new DemoJobRun(spec, final, csv, rows.Count > 0 ? png : null, File.Exists(model) ? model : null);
            runs.Add(run);
            var who = ids.Count > 1 ? final.JobId + " " : "";
            live.Note(string.Create(CultureInfo.InvariantCulture,
                $"{who}{final.State}: {JobFormat.Score(final)} after {final.Samples:N0} samples in {final.ElapsedSeconds:0.0} s ({final.SamplesPerSecond:N0} samples/s); wrote {csv}{(run.Curves is null ? "" : ", " + png)}{(run.Model is null ? "" : ", " + model)}"));
            if (!run.Completed)
            {
                live.Note($"{final.JobId} {final.State}: {final.Message ?? "the coordinator gave no reason"}");
            }

            if (final.Trainers.Count > 0 && final.ElapsedSeconds > 0)
            {
                live.Note(string.Create(CultureInfo.InvariantCulture,
                    $"{who}trainers: {final.Trainers.Average(t => t.BusySeconds) / final.ElapsedSeconds:P0} of the time computing, {final.Trainers.Average(t => t.PullSeconds) / final.ElapsedSeconds:P0} waiting for slices, {final.Trainers.Sum(t => t.Contributions):N0} contributions"));
            }
        }

        object? chaosReport = null;
        if (chaos is not null)
        {
            var audit = await ClusterCommands.Ask(client, new AuditUpdates(first), [seedAddress]).ConfigureAwait(false) as UpdateAudit;
            live.Note($"chaos: {chaos.Kills} kill(s); longest recovery {chaos.MaxRecoverySeconds?.ToString("0.0", CultureInfo.InvariantCulture) ?? "never"} s; " +
                $"{audit?.Acknowledged ?? 0} acknowledged updates, {audit?.Lost.ToString(CultureInfo.InvariantCulture) ?? "?"} lost{(audit?.Problem is { } problem ? " (" + problem + ")" : "")}");
            foreach (var kill in chaos.Breakdown)
            {
                live.Note(string.Create(CultureInfo.InvariantCulture,
                    $"chaos: {kill.Node} (slices [{string.Join(",", kill.Slices)}]): detected {Seconds(kill.DetectedSeconds)}{(kill.DetectedBy is null ? "" : $" ({kill.DetectedBy})")}, downed {Seconds(kill.DownedSeconds)}, serving again {Seconds(kill.ServingSeconds)} after the kill"));
            }

            foreach (var e in runs[0].Final.Events)
            {
                live.Note($"  {e}");
            }

            chaosReport = new
            {
                kills = chaos.Kills,
                maxRecoverySeconds = chaos.MaxRecoverySeconds is { } s ? Math.Round(s, 2) : (double?)null,
                lostAcknowledgedUpdates = audit?.Problem is null ? audit?.Lost : null,
                acknowledgedUpdates = audit?.Acknowledged,
                recoveries = chaos.Breakdown.Select(k => new
                {
                    node = k.Node,
                    slices = k.Slices,
                    detectedSeconds = k.DetectedSeconds,
                    detectedBy = k.DetectedBy,
                    downedSeconds = k.DownedSeconds,
                    servingSeconds = k.ServingSeconds,
                }).ToArray(),
            };
        }

        nodes = await RefreshNodesAsync(client, nodes).ConfigureAwait(false);
        var reputation = new DemoReputation(
            [.. nodeNames.Take(options.Attackers).Select(children.AddressOf).OfType<string>()],
            [.. nodes.Where(n => n.Quarantined).Select(n => new QuarantinedNode(n.Address, n.QuarantinedUtc is { } at ? Math.Round((at - submittedUtc).TotalSeconds, 1) : null, n.QuarantinedAfter))],
            nodes.ToDictionary(n => n.Address, n => Math.Round(n.Reputation, 3), StringComparer.Ordinal));
        foreach (var q in reputation.Quarantined)
        {
            live.Note($"quarantined: {q.Node}{(q.Seconds is { } seconds ? string.Create(CultureInfo.InvariantCulture, $" after {seconds:0.0} s") : "")}, {q.Rounds} observations{(reputation.Attackers.Contains(q.Node) ? " (an attacker)" : " (HONEST)")}");
        }

        var auditReport = await DemoAudit.WriteAsync(client, seedAddress, runDir, live.Note).ConfigureAwait(false);
        if (options.Json)
        {
            output.WriteLine(DemoJson.Line(count, runs, chaosReport, auditReport, reputation));
        }

        return DemoJson.ExitCode(runs);
    }

    private static string Seconds(double? seconds) => seconds is { } s ? s.ToString("0.00 's'", CultureInfo.InvariantCulture) : "never";

    private static async Task<IReadOnlyList<NodeInfo>?> WaitForNodesAsync(EdgeTrainClient client, int count, ChildProcesses children, LiveView live, CancellationToken stop)
    {
        var deadline = DateTime.UtcNow + JoinTimeout;
        while (DateTime.UtcNow < deadline && !stop.IsCancellationRequested)
        {
            if (children.FirstExited() is { } exited)
            {
                live.Note($"{exited.Name} exited with code {exited.Process.ExitCode}; last lines of {exited.Log}:\n{ChildProcesses.Tail(exited.Log)}");
                return null;
            }

            try
            {
                if (await client.Ask(GetNodes.Instance, TimeSpan.FromSeconds(3)).ConfigureAwait(false) is NodeList list)
                {
                    var workers = list.Nodes.Where(n => !n.Roles.Contains(EdgeTrainNode.SeedRole)).ToList();
                    live.Note($"{workers.Count} of {count} nodes registered");
                    if (workers.Count >= count)
                    {
                        return workers;
                    }
                }
            }
            catch (Exception e) when (e is Akka.Actor.AskTimeoutException or TaskCanceledException)
            {
                // the seed is still starting
            }

            await Task.Delay(TimeSpan.FromSeconds(1), stop).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        live.Note($"not all {count} nodes registered within {JoinTimeout.TotalSeconds:0} s; see the logs");
        return null;
    }

    // the nodes with their reputation now (the ones known before when the coordinator does not answer)
    private static async Task<IReadOnlyList<NodeInfo>> RefreshNodesAsync(EdgeTrainClient client, IReadOnlyList<NodeInfo> known)
    {
        try
        {
            return await client.Ask(GetNodes.Instance, TimeSpan.FromSeconds(3)).ConfigureAwait(false) is NodeList list
                ? [.. list.Nodes.Where(n => !n.Roles.Contains(EdgeTrainNode.SeedRole))]
                : known;
        }
        catch (Exception e) when (e is Akka.Actor.AskTimeoutException or TaskCanceledException)
        {
            return known;
        }
    }

    private static void Fresh(string runDir)
    {
        Directory.CreateDirectory(runDir);
        foreach (var file in Directory.GetFiles(runDir, "edgetrain.db*"))
        {
            File.Delete(file);
        }

        // a run's CA, its nodes' identities and tokens, the seed's identity and enrolment certificate are the run's own
        foreach (var folder in new[] { "jobs", "logs", "ca", "identities", "tokens", "identity", "enrolment" }.Select(f => Path.Combine(runDir, f)).Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool PortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A free TCP port on the loopback interface (free when asked: the caller binds it soon after).</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
