using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using EdgeTrain.Actors.Gateway;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core.Optimizers;
using EdgeTrain.Core.Security;
using EdgeTrain.Gateway.Server;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Seed.Demo;
using EdgeTrain.Training.Capabilities;
using static EdgeTrain.Actors.Gateway.GatewayProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Seed.Bench;

/// <summary>
/// <c>edgetrain bench gateway [--devices N] [--seconds S] [--interval-ms I] [--json]</c>: a cluster of two members in this
/// process over mutual TLS on 127.0.0.1 with a CA of its own (A: seed and parameter shards of a bench job,
/// 4 slices of 16,384 floats; B: the gateway), then two phases of the same pulls, each puller taking one slice,
/// waiting for it and <c>I</c> ms (default 1000) before the next: N pullers on member B itself (its shard proxy,
/// Akka remoting to A), then N devices in a child process (<see cref="GatewayBenchDevices"/>), each on its own
/// stream to B's gateway. Prints the devices held, the pull latency both ways (the difference is what the
/// gateway adds), the bytes on the devices' streams and this process's CPU per device and per pull (the gateway,
/// its member and the shards; the devices' own CPU is in the child).
/// </summary>
internal static class GatewayBench
{
    private const string Usage = "bench gateway [--devices N] [--seconds S] [--interval-ms I] [--json]";
    private const string Job = "bench-gateway";
    private const int Slices = 4;
    private const int SliceFloats = 16_384;

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        if (args is ["devices", ..])
        {
            var child = CommandLine.Parse([.. args.Skip(1)], ["--gateway", "--ca", "--devices", "--seconds", "--interval-ms", "--report"], []);
            return GatewayBenchDevices.RunAsync(child.Option("--gateway")!, child.Option("--ca")!, child.Int("--devices", 1, 1, 100_000), child.Int("--seconds", 10, 1, 3600),
                child.Int("--interval-ms", 1000, 0, 60_000), Job, Slices, child.Option("--report")!, output).GetAwaiter().GetResult();
        }

        var line = CommandLine.Parse(args, ["--devices", "--seconds", "--interval-ms"], ["--json"]);
        line.AllowPositionals(0, Usage);
        var devices = line.Int("--devices", 200, 1, 100_000);
        var seconds = line.Int("--seconds", 20, 5, 3600);
        var interval = line.Int("--interval-ms", 1000, 0, 60_000);
        var folder = Path.Combine(Path.GetTempPath(), "edgetrain-bench-gateway-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var result = RunAsync(folder, devices, seconds, interval, output).GetAwaiter().GetResult();
            Print(result, devices, seconds, interval, output);
            if (line.Flag("--json"))
            {
                output.WriteLine(JsonSerializer.Serialize(result));
            }

            return SeedCli.Success;
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // left to the system's temp cleaning
            }
        }
    }

    private static async Task<Dictionary<string, double>> RunAsync(string folder, int devices, int seconds, int interval, TextWriter output)
    {
        using var ca = CertificateAuthority.Init(Path.Combine(folder, "ca"), "EdgeTrain bench CA");
        var portA = DemoCommand.FreePort();
        var seeds = new[] { $"127.0.0.1:{portA}" };
        var a = EdgeTrainNode.Start(Options(ca, folder, "a", portA, seeds, [ClusterRoles.Seed, ClusterRoles.Params, ClusterRoles.Aggregator]));
        var b = EdgeTrainNode.Start(Options(ca, folder, "b", DemoCommand.FreePort(), seeds, [ClusterRoles.Aggregator, ClusterRoles.Gateway]));
        try
        {
            await WaitUntilAsync(() => Cluster.Get(a.System).State.Members.Count(m => m.Status == MemberStatus.Up) == 2, TimeSpan.FromMinutes(2), "the two members did not come up").ConfigureAwait(false);
            var settings = GatewaySettings.Create(b.System.Settings.Config) with { MaxDevices = Math.Max(devices, 1) + 10 };
            await using var gateway = await GatewayHost.StartAsync(b, settings, "127.0.0.1", 0).ConfigureAwait(false);
            for (var slice = 0; slice < Slices; slice++)
            {
                var values = Enumerable.Range(0, SliceFloats).Select(i => (float)Math.Sin(i + slice)).ToArray();
                var answer = await b.Shards.Ask<object>(new InitSlice(Job, slice, values, new ShardOptimizerSpec(ShardOptimizerKind.Sgd, 0.1f), 1000), TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                if (answer is not SliceInitialized)
                {
                    throw new InvalidOperationException($"slice {slice} of the bench job: {answer}");
                }
            }

            output.WriteLine(Text($"bench gateway: members up, gateway on {gateway.Endpoint}; {devices} pullers on member B for {seconds} s"));
            var member = await MemberPullsAsync(b, devices, seconds, interval).ConfigureAwait(false);
            output.WriteLine(Text($"bench gateway: {devices} devices through the gateway for {seconds} s"));
            var device = await DevicePullsAsync(folder, ca.Folder, gateway, devices, seconds, interval).ConfigureAwait(false);
            return new Dictionary<string, double>(member.Concat(device));
        }
        finally
        {
            await b.StopAsync().ConfigureAwait(false);
            await a.StopAsync().ConfigureAwait(false);
        }
    }

    // N pullers on the member itself: its shard proxy, Akka remoting to the shards' member
    private static async Task<Dictionary<string, double>> MemberPullsAsync(EdgeTrainNode b, int pullers, int seconds, int interval)
    {
        var latencies = new LatencyHistogram();
        var gate = new object();
        using var stop = new CancellationTokenSource();
        var measuring = false;
        async Task Loop(int first)
        {
            var slice = first;
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await b.Shards.Ask<SliceData>(new PullSlice(Job, slice, -1), TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                {
                    continue;
                }

                lock (gate)
                {
                    if (measuring)
                    {
                        latencies.Add(Stopwatch.GetTimestamp() - started);
                    }
                }

                slice = (slice + 1) % Slices;
                try
                {
                    await Task.Delay(interval, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        var loops = Enumerable.Range(0, pullers).Select(i => Task.Run(() => Loop(i % Slices))).ToList();
        await Task.Delay(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        lock (gate)
        {
            measuring = true;
        }

        await Task.Delay(TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
        lock (gate)
        {
            measuring = false;
        }

        var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(loops).ConfigureAwait(false);
        return new Dictionary<string, double>
        {
            ["memberPulls"] = latencies.Count,
            ["memberP50Ms"] = latencies.Percentile(0.5) * 1e3,
            ["memberP90Ms"] = latencies.Percentile(0.9) * 1e3,
            ["memberCpuMsPerPull"] = latencies.Count == 0 ? 0 : used / latencies.Count,
        };
    }

    // N devices in a child process, each on its own stream to the gateway
    private static async Task<Dictionary<string, double>> DevicePullsAsync(string folder, string caFolder, GatewayHost gateway, int devices, int seconds, int interval)
    {
        var report = Path.Combine(folder, "devices.json");
        var info = new ProcessStartInfo(ChildProcesses.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            typeof(GatewayBench).Assembly.Location, "bench", "gateway", "devices", "--gateway", $"127.0.0.1:{gateway.Endpoint.Port}", "--ca", caFolder,
            "--devices", Text($"{devices}"), "--seconds", Text($"{seconds}"), "--interval-ms", Text($"{interval}"), "--report", report,
        })
        {
            info.ArgumentList.Add(arg);
        }

        using var child = Process.Start(info) ?? throw new InvalidOperationException("the bench's devices did not start");
        var errors = child.StandardError.ReadToEndAsync();
        TimeSpan cpu = default;
        long bytesIn = 0, bytesOut = 0;
        double held = 0;
        long memory = 0;
        while (await child.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } text)
        {
            if (text == GatewayBenchDevices.MeasuringLine)
            {
                cpu = Process.GetCurrentProcess().TotalProcessorTime;
                (bytesIn, bytesOut) = (gateway.BytesIn, gateway.BytesOut);
            }
            else if (text == GatewayBenchDevices.DoneLine)
            {
                cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                (bytesIn, bytesOut) = (gateway.BytesIn - bytesIn, gateway.BytesOut - bytesOut);
                var list = await gateway.Actor.Ask<GatewayDevices>(GetGatewayDevices.Instance, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                held = list.Devices.Count(d => d.Connected);
                GC.Collect();
                memory = Process.GetCurrentProcess().WorkingSet64;
            }
        }

        await child.WaitForExitAsync().ConfigureAwait(false);
        if (child.ExitCode != 0 || !File.Exists(report))
        {
            throw new InvalidOperationException($"the bench's devices failed (exit {child.ExitCode}): {await errors.ConfigureAwait(false)}");
        }

        var figures = JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(report))!;
        var pulls = Math.Max(1, figures["pulls"]);
        return new Dictionary<string, double>
        {
            ["devicesHeld"] = held,
            ["connectSeconds"] = figures["connectSeconds"],
            ["reconnects"] = figures["reconnects"],
            ["devicePulls"] = figures["pulls"],
            ["deviceP50Ms"] = figures["p50Ms"],
            ["deviceP90Ms"] = figures["p90Ms"],
            ["deviceP99Ms"] = figures["p99Ms"],
            ["bytesInPerDeviceSecond"] = bytesIn / (double)devices / seconds,
            ["bytesOutPerDeviceSecond"] = bytesOut / (double)devices / seconds,
            ["bytesPerPull"] = (bytesIn + bytesOut) / pulls,
            ["gatewayCpuMsPerDeviceSecond"] = cpu.TotalMilliseconds / devices / seconds,
            ["gatewayCpuMsPerPull"] = cpu.TotalMilliseconds / pulls,
            ["gatewayProcessMiB"] = memory / 1048576.0,
        };
    }

    private static void Print(Dictionary<string, double> r, int devices, int seconds, int interval, TextWriter output)
    {
        output.WriteLine(Text($"gateway bench: {devices} devices (one TLS stream each) and {devices} member pullers, one 64 KiB slice every {interval} ms each after the last answer, {seconds} s each, 127.0.0.1, {Environment.ProcessorCount} cores:"));
        output.WriteLine();
        output.WriteLine("| pulls by | devices held | pulls | p50 ms | p90 ms | bytes / pull on the stream | CPU ms / pull (gateway process) | CPU ms / device / s |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        output.WriteLine(Text($"| member B (Akka remoting to A) | - | {r["memberPulls"]:0} | {r["memberP50Ms"]:0.00} | {r["memberP90Ms"]:0.00} | - | {r["memberCpuMsPerPull"]:0.000} | - |"));
        output.WriteLine(Text($"| devices through B's gateway | {r["devicesHeld"]:0} | {r["devicePulls"]:0} | {r["deviceP50Ms"]:0.00} | {r["deviceP90Ms"]:0.00} | {r["bytesPerPull"]:0} | {r["gatewayCpuMsPerPull"]:0.000} | {r["gatewayCpuMsPerDeviceSecond"]:0.000} |"));
        output.WriteLine();
        output.WriteLine(Text($"latency the gateway adds to a pull: p50 {r["deviceP50Ms"] - r["memberP50Ms"]:0.00} ms, p90 {r["deviceP90Ms"] - r["memberP90Ms"]:0.00} ms; all devices connected in {r["connectSeconds"]:0.0} s ({r["reconnects"]:0} reconnects); per device {r["bytesInPerDeviceSecond"]:0} B/s up, {r["bytesOutPerDeviceSecond"]:0} B/s down; gateway process {r["gatewayProcessMiB"]:0} MiB"));
    }

    private static NodeOptions Options(CertificateAuthority ca, string folder, string name, int port, string[] seeds, string[] roles)
    {
        var data = Path.Combine(folder, name);
        var identity = new IdentityFolder(Path.Combine(data, "identity"));
        using (var certificate = ca.IssueSelf(NodeIds.New(), roles, TimeSpan.FromHours(2)))
        {
            identity.Write(certificate, ca.Certificate);
        }

        return new NodeOptions("127.0.0.1", port, seeds, "local", roles, data, CapabilityProbe.WithoutTorch(data, "the gateway bench trains nothing"), [], IdentityDirectory: identity.Path);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(what);
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
