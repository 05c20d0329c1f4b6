using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Commands.Hosting;
using EdgeTrain.Core;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Seed.Commands;
using EdgeTrain.Seed.Output;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Seed.Demo;

/// <summary>
/// <c>edgetrain demo --nodes N --job JOB.conf [--json] [--regions K] [--port P] [--out DIR] [--cmd-port P]</c>:
/// starts a seed and N node processes on loopback (SQLite persistence in one run folder), submits
/// the job, shows a live view (members and roles, slices per node, samples/s, loss, accuracy),
/// writes <c>metrics.csv</c>, <c>curves.png</c> and the trained model into the run folder, ends
/// with one JSON line, and stops every process it started, also on Ctrl-C.
/// </summary>
internal static class DemoCommand
{
    private static readonly string[] Valued = ["--nodes", "--job", "--regions", "--port", "--out", "--chaos", "--config", "--cmd-port"];
    private static readonly string[] Switches = ["--json"];
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken stop)
    {
        var line = CommandLine.Parse(args, Valued, Switches);
        line.AllowPositionals(0, "demo --nodes N --job JOB.conf [--json]");
        var jobPath = line.Option("--job") ?? throw new InvalidInputException("command line", "--job", "missing; expected the path of a job file");
        var spec = JobSpecReader.Load(jobPath);
        var count = line.Int("--nodes", 3, 1, 64);
        var regions = line.Int("--regions", Math.Min(2, count), 1, count);
        var runDir = Path.GetFullPath(line.Option("--out") ?? Path.Combine("runs", spec.Name));
        var port = line.Int("--port", 0, 0, 65535) is var p && p > 0 ? p : FreePort();
        var chaosPlan = line.Option("--chaos") is { } chaosText ? ChaosPlan.Parse(chaosText) : null;
        // the seed's command host: 9110 when free (or --cmd-port; 0: none), and a token for the
        // commands that change things: the caller's EDGETRAIN_CMD_TOKEN, else a fresh one printed below
        var cmdPort = line.Option("--cmd-port") is null ? (PortFree(CommandHostSettings.DefaultPort) ? CommandHostSettings.DefaultPort : FreePort()) : line.Int("--cmd-port", 0, 0, 65535);
        var cmdToken = Environment.GetEnvironmentVariable(CommandHostSettings.TokenVariable) is { Length: > 0 } given ? given : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        Fresh(runDir);
        var logs = Directory.CreateDirectory(Path.Combine(runDir, "logs")).FullName;

        var seedDll = typeof(SeedCli).Assembly.Location;
        var nodeDll = Path.Combine(AppContext.BaseDirectory, "edgetrain-node.dll");
        var seedAddress = $"127.0.0.1:{port}";
        var threads = Math.Max(1, Environment.ProcessorCount / count).ToString(CultureInfo.InvariantCulture);
        using var children = new ChildProcesses();
        using var cancelRegistration = stop.Register(children.Dispose);
        var live = new LiveView(output, Console.IsOutputRedirected);
        live.Note($"demo {spec.Name}: seed on {seedAddress}, {count} nodes in {regions} region(s), run folder {runDir}");
        // --config (e.g. hocon/postgres.conf) goes to every process
        var configs = line.Options("--config").SelectMany(c => new[] { "--config", Path.GetFullPath(c) }).ToArray();
        children.Start("seed", seedDll, ["seed", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", runDir, "--cmd-port", cmdPort.ToString(CultureInfo.InvariantCulture), .. configs],
            Path.Combine(logs, "seed.log"), new Dictionary<string, string> { [CommandHostSettings.TokenVariable] = cmdToken });
        if (cmdPort > 0)
        {
            live.Note($"ops: edgetrain-cmd 127.0.0.1:{cmdPort} cluster show (commands that change the cluster or a job: --token {cmdToken})");
        }

        var nodeNames = Enumerable.Range(1, count).Select(i => $"node-{i}").ToArray();
        for (var i = 0; i < count; i++)
        {
            children.Start(nodeNames[i], nodeDll,
                ["--seed", seedAddress, "--data-dir", runDir, "--region", $"region-{(char)('a' + (i % regions))}", "--torch-threads", threads, "--cmd-port", "0", .. configs],
                Path.Combine(logs, $"node-{i + 1}.log"));
        }

        await using var client = EdgeTrainClient.Connect([seedAddress]);
        var nodes = await WaitForNodesAsync(client, count, children, live, stop).ConfigureAwait(false);
        if (nodes is null)
        {
            return SeedCli.Failure;
        }

        var answer = await ClusterCommands.Ask(client, new SubmitJob(spec), [seedAddress]).ConfigureAwait(false);
        if (answer is not JobAccepted accepted)
        {
            error.WriteLine($"edgetrain demo: the job was not accepted: {(answer as JobRejected)?.Reason ?? answer.GetType().Name}");
            return SeedCli.Failure;
        }

        live.Note($"submitted {spec.Name} as {accepted.JobId}");
        var chaos = chaosPlan is null ? null : new ChaosMonkey(chaosPlan, children, logs, live.Note);
        JobStatus? final = null;
        while (final is null)
        {
            if (children.FirstExited() is { } exited)
            {
                error.WriteLine($"edgetrain demo: {exited.Name} exited with code {exited.Process.ExitCode}; last lines of {exited.Log}:\n{ChildProcesses.Tail(exited.Log)}");
                return SeedCli.Failure;
            }

            if (await ClusterCommands.Ask(client, new GetJobStatus(accepted.JobId), [seedAddress]).ConfigureAwait(false) is JobStatus status)
            {
                live.Show(status, nodes);
                final = status.Finished ? status : null;
                if (chaos is not null && await ClusterCommands.Ask(client, new GetSliceHealth(accepted.JobId), [seedAddress]).ConfigureAwait(false) is SliceHealthReport health)
                {
                    chaos.Step(status, health, nodeNames);
                }
            }

            if (stop.IsCancellationRequested)
            {
                error.WriteLine("edgetrain demo: cancelled; stopping every process");
                return SeedCli.Failure;
            }

            if (final is null)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }

        var model = JobFiles.ModelPath(runDir, accepted.JobId);
        for (var waited = 0; waited < 30 && !File.Exists(model); waited++)
        {
            await Task.Delay(500, CancellationToken.None).ConfigureAwait(false);
        }

        var rows = MetricRow.From(final.Curve);
        var csv = Path.Combine(runDir, "metrics.csv");
        var png = Path.Combine(runDir, "curves.png");
        MetricsCsv.Write(csv, "evaluation", rows);
        if (rows.Count > 0)
        {
            CurvesChart.Write(png, $"{spec.Name} on {count} nodes", rows);
        }

        live.Note(string.Create(CultureInfo.InvariantCulture,
            $"{final.State}: accuracy {final.Accuracy:P2} after {final.Samples:N0} samples in {final.ElapsedSeconds:0.0} s ({final.SamplesPerSecond:N0} samples/s); wrote {csv}{(rows.Count > 0 ? ", " + png : "")}{(File.Exists(model) ? ", " + model : "")}"));
        if (final.State != JobState.Completed)
        {
            live.Note($"{final.JobId} {final.State}: {final.Message ?? "the coordinator gave no reason"}");
        }
        if (final.Trainers.Count > 0 && final.ElapsedSeconds > 0)
        {
            live.Note(string.Create(CultureInfo.InvariantCulture,
                $"trainers: {final.Trainers.Average(t => t.BusySeconds) / final.ElapsedSeconds:P0} of the time computing, {final.Trainers.Average(t => t.PullSeconds) / final.ElapsedSeconds:P0} waiting for slices, {final.Trainers.Sum(t => t.Contributions):N0} contributions"));
        }

        object? chaosReport = null;
        if (chaos is not null)
        {
            var audit = await ClusterCommands.Ask(client, new AuditUpdates(accepted.JobId), [seedAddress]).ConfigureAwait(false) as UpdateAudit;
            live.Note($"chaos: {chaos.Kills} kill(s); longest recovery {chaos.MaxRecoverySeconds?.ToString("0.0", CultureInfo.InvariantCulture) ?? "never"} s; " +
                $"{audit?.Acknowledged ?? 0} acknowledged updates, {audit?.Lost.ToString(CultureInfo.InvariantCulture) ?? "?"} lost{(audit?.Problem is { } problem ? " (" + problem + ")" : "")}");
            foreach (var kill in chaos.Breakdown)
            {
                live.Note(string.Create(CultureInfo.InvariantCulture,
                    $"chaos: {kill.Node} (slices [{string.Join(",", kill.Slices)}]): detected {Seconds(kill.DetectedSeconds)}{(kill.DetectedBy is null ? "" : $" ({kill.DetectedBy})")}, downed {Seconds(kill.DownedSeconds)}, serving again {Seconds(kill.ServingSeconds)} after the kill"));
            }

            foreach (var e in final.Events)
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

        if (line.Flag("--json"))
        {
            var target = final.Curve.FirstOrDefault(c => c.Accuracy >= spec.TargetAccuracy);
            output.WriteLine(JsonSerializer.Serialize(new
            {
                mode = "cluster",
                job = accepted.JobId,
                nodes = count,
                accuracy = Math.Round(final.Accuracy, 5),
                seconds = Math.Round(final.ElapsedSeconds, 2),
                samples = final.Samples,
                samplesPerSecond = Math.Round(final.SamplesPerSecond, 1),
                bytesSent = final.BytesSent,
                bytesPerSample = final.Samples > 0 ? Math.Round((double)final.BytesSent / final.Samples, 2) : (double?)null,
                bytesPulled = final.Trainers.Sum(t => t.BytesPulled),
                codecs = $"{Codec(spec.Wire.TrainerToAggregator)}/{Codec(spec.Wire.AggregatorToShard)}",
                localSteps = spec.LocalSteps,
                shardsPerNode = final.SlicesPerNode,
                updates = final.Updates,
                secondsToTarget = target is null ? (double?)null : Math.Round(target.Seconds, 2),
                state = final.State.ToString(),
                reason = final.Message,
                model = File.Exists(model) ? model : null,
                chaos = chaosReport,
            }, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }));
        }

        return final.State == JobState.Completed ? SeedCli.Success : SeedCli.Failure;
    }

    private static string Seconds(double? seconds) => seconds is { } s ? s.ToString("0.00 's'", CultureInfo.InvariantCulture) : "never";

    private static string Codec(CodecSpec codec) => codec.Kind switch
    {
        CodecKind.TopK or CodecKind.TopKInt8 => string.Create(CultureInfo.InvariantCulture, $"{codec.Kind.ToString().ToLowerInvariant()}:{codec.TopKFraction:0.####}"),
        _ => codec.Kind.ToString().ToLowerInvariant(),
    };

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

    private static void Fresh(string runDir)
    {
        Directory.CreateDirectory(runDir);
        foreach (var file in Directory.GetFiles(runDir, "edgetrain.db*"))
        {
            File.Delete(file);
        }

        foreach (var folder in new[] { "jobs", "logs" }.Select(f => Path.Combine(runDir, f)).Where(Directory.Exists))
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
