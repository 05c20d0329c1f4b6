using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using EdgeTrain.Actors.Gateway;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core.Membership;
using EdgeTrain.Core.Security;
using EdgeTrain.Gateway.Device;
using EdgeTrain.Training.Capabilities;
using static EdgeTrain.Actors.Membership.MembershipProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Seed.Bench;

/// <summary>
/// The devices of <c>edgetrain bench gateway</c>, in a process of their own (so that the gateway's process
/// counts the gateway's CPU only): N <see cref="DeviceClient"/>s, each with its own certificate of the bench's
/// CA (made in memory), one stream each to the gateway; each pulls one slice of the bench job, waits for it,
/// waits the interval, and pulls the next. Prints <c>measuring</c> when every device is welcomed, then
/// <c>done</c>, and writes its figures as JSON to the report file.
/// </summary>
internal static class GatewayBenchDevices
{
    public const string MeasuringLine = "measuring";
    public const string DoneLine = "done";

    public static async Task<int> RunAsync(string gateway, string caFolder, int devices, int seconds, int intervalMs, string job, int slices, string report, TextWriter output)
    {
        var (host, port) = ClusterConfigBuilder.ParseEndpoint(gateway, "--gateway");
        using var ca = CertificateAuthority.Load(caFolder);
        var config = ConfigurationFactory.ParseString("akka.actor.provider = local\nakka.loglevel = WARNING").WithFallback(ClusterConfigBuilder.ForTool([]));
        var settings = GatewaySettings.Create(config);
        using var system = ActorSystem.Create("bench-devices", config);
        var capabilities = CapabilityProbe.WithoutTorch(Path.GetTempPath(), "a bench device");
        var latencies = new LatencyHistogram();
        var gate = new object();
        var measuring = false;
        var clients = new List<DeviceClient>();
        var identities = new List<NodeIdentity>();
        using var stop = new CancellationTokenSource();
        var runs = new List<Task>();
        var connectWatch = Stopwatch.StartNew();
        for (var i = 0; i < devices; i++)
        {
            var id = NodeIds.New();
            var identity = NodeIdentity.InMemory(ca.IssueSelf(id, [ClusterRoles.Trainer], TimeSpan.FromHours(2)), ca.Certificate);
            identities.Add(identity);
            var registration = new RegisterNode(DeviceNames.Address(id), "local", [CapabilityScore.TrainerRole], capabilities, null, 1);
            var client = new DeviceClient([(host, port)], identity, RevocationList.Empty, id, registration, settings, system, TextWriter.Null);
            clients.Add(client);
            var first = i % slices;
            void Measured(long ticks)
            {
                lock (gate)
                {
                    if (measuring)
                    {
                        latencies.Add(ticks);
                    }
                }
            }

            Action<long> measured = Measured;
            Action<DeviceEnvelope> send = client.Send;
            var puller = system.ActorOf(Props.Create(() => new Puller(send, job, slices, first, TimeSpan.FromMilliseconds(intervalMs), measured)));
            runs.Add(client.RunAsync(puller, stop.Token));
        }

        while (clients.Any(c => c.Connections == 0) && connectWatch.Elapsed < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        var connected = clients.Count(c => c.Connections > 0);
        var connectSeconds = connectWatch.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(3)).ConfigureAwait(false); // warm up
        lock (gate)
        {
            measuring = true;
        }

        output.WriteLine(MeasuringLine);
        await Task.Delay(TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
        lock (gate)
        {
            measuring = false;
        }

        output.WriteLine(DoneLine);
        var reconnects = clients.Sum(c => c.Connections) - connected;
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(runs).ConfigureAwait(false);
        foreach (var identity in identities)
        {
            identity.Dispose();
        }

        File.WriteAllText(report, JsonSerializer.Serialize(new Dictionary<string, double>
        {
            ["connected"] = connected,
            ["connectSeconds"] = connectSeconds,
            ["reconnects"] = reconnects,
            ["pulls"] = latencies.Count,
            ["p50Ms"] = latencies.Percentile(0.5) * 1e3,
            ["p90Ms"] = latencies.Percentile(0.9) * 1e3,
            ["p99Ms"] = latencies.Percentile(0.99) * 1e3,
            ["meanMs"] = latencies.Count == 0 ? 0 : latencies.TotalSeconds / latencies.Count * 1e3,
        }));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{connected} devices, {latencies.Count} pulls"));
        return 0;
    }

    // one device's pulls: a slice, its answer, the interval, the next slice
    private sealed class Puller : ReceiveActor, IWithTimers
    {
        private long sent;

        public Puller(Action<DeviceEnvelope> send, string job, int slices, int first, TimeSpan interval, Action<long> measured)
        {
            var slice = first;
            void Pull()
            {
                sent = Stopwatch.GetTimestamp();
                send(new DeviceEnvelope(DeviceRoute.Shards, job, new PullSlice(job, slice, -1)));
                slice = (slice + 1) % slices;
            }

            Receive<DeviceEnvelope>(e => e.Message is SliceData, _ =>
            {
                measured(Stopwatch.GetTimestamp() - sent);
                Timers.StartSingleTimer(nameof(Next), Next.Instance, interval);
            });
            Receive<DeviceEnvelope>(_ => { });
            Receive<Next>(_ => Pull());
            // the first pull waits for the stream (a pull lost before it is up is asked again after a while)
            Receive<Retry>(_ =>
            {
                if (Stopwatch.GetElapsedTime(sent) > TimeSpan.FromSeconds(5))
                {
                    Pull();
                }
            });
            Self.Tell(Next.Instance);
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PreStart() => Timers.StartPeriodicTimer(nameof(Retry), Retry.Instance, TimeSpan.FromSeconds(5));

        private sealed class Next
        {
            public static readonly Next Instance = new();
        }

        private sealed class Retry
        {
            public static readonly Retry Instance = new();
        }
    }
}
