using Akka.Actor;
using Akka.Cluster;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Security;
using EdgeTrain.Commands.Dashboard;
using EdgeTrain.Commands.Hosting;
using EdgeTrain.Core;
using EdgeTrain.Core.Membership;
using EdgeTrain.Core.Security;
using EdgeTrain.Enrolment;
using EdgeTrain.Enrolment.Server;
using EdgeTrain.Gateway.Server;
using EdgeTrain.Training.Capabilities;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// <c>edgetrain seed --port P --data-dir D [--host H] [--seed HOST:PORT …] [--roles …] [--config F]
/// [--cmd-port P] [--cmd-host H] [--dashboard-port P] [--dashboard-host H] [--gateway-port P] [--gateway-host H] [--ca DIR] [--enroll-port P] [--insecure]</c>: runs a seed node with the JobCoordinator
/// singleton and its command host (for edgetrain-cmd) — with <c>--ca</c>, also the enrolment listener where
/// nodes trade a one-time join token for a certificate of the CA in DIR — and prints a console of membership changes and job progress
/// until SIGTERM or Ctrl-C, then stops as <see cref="NodeRun"/> does (a graceful leave, bounded by
/// <c>edgetrain.node.leave-timeout</c>). With <c>--ca DIR</c> it holds the cluster's CA (<c>edgetrain ca init</c>)
/// and carries out <c>edgetrain-cmd node revoke</c>.
/// </summary>
internal static class SeedCommand
{
    private static readonly string[] Valued = ["--port", "--host", "--data-dir", "--seed", "--roles", "--config", "--cmd-port", "--cmd-host", "--ca", "--enroll-port", "--dashboard-port", "--dashboard-host", "--gateway-port", "--gateway-host"];

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken stop)
    {
        var line = CommandLine.Parse(args, Valued, [InsecureMode.Switch]);
        line.AllowPositionals(0, "seed --port P --data-dir D");
        var host = line.Option("--host") ?? "127.0.0.1";
        var port = line.Int("--port", 4053, 1, 65535);
        int? cmdPort = line.Option("--cmd-port") is null ? null : line.Int("--cmd-port", 0, 0, 65535);
        var dashboardPort = line.Int("--dashboard-port", DashboardHost.DefaultPort, 0, 65535);
        var dataDir = line.Option("--data-dir") ?? "data";
        var self = $"{host}:{port}";
        var seeds = line.Options("--seed").Count > 0 ? line.Options("--seed") : [self];
        var extra = line.Options("--roles");
        int? gatewayPort = line.Option("--gateway-port") is null ? null : line.Int("--gateway-port", 0, 0, 65535);
        var roles = new[] { EdgeTrainNode.SeedRole }.Concat(extra).Concat(gatewayPort is null ? [] : [ClusterRoles.Gateway]).Distinct().ToArray();
        var capabilities = extra.Contains(CapabilityScore.TrainerRole)
            ? CapabilityProbe.Probe(dataDir, TimeSpan.FromMilliseconds(200))
            : CapabilityProbe.WithoutTorch(dataDir, "the seed hosts no trainer");
        var insecure = line.Flag(InsecureMode.Switch);
        var caFolder = line.Option("--ca");
        if (insecure && caFolder is not null)
        {
            throw new InvalidInputException("edgetrain seed", "--ca", "a seed without TLS (--insecure) cannot enrol nodes or revoke certificates; drop --ca or --insecure");
        }

        if (insecure)
        {
            error.WriteLine(InsecureMode.Warning("edgetrain seed"));
        }

        int? enrollPort = line.Option("--enroll-port") is null ? null : line.Int("--enroll-port", EnrolmentSettings.DefaultPort, 1, 65535);
        using var ca = caFolder is null ? null : CertificateAuthority.Load(caFolder);
        var options = new NodeOptions(host, port, seeds, "local", roles, dataDir, capabilities, line.Options("--config"), Security: insecure ? SecurityMode.Insecure : null, CaDirectory: caFolder);
        if (ca is not null)
        {
            // the seed holding the CA needs no token: it issues its own certificate (and a new one before it runs out)
            SeedIdentity.Ensure(ca, EdgeTrainSettings.Create(ClusterConfigBuilder.ForNode(options)).Security.Identity, roles, output);
        }

        var node = EdgeTrainNode.Start(options);
        output.WriteLine($"edgetrain seed {node.Address}: roles {string.Join(",", roles)}, data in {Path.GetFullPath(dataDir)}; Ctrl-C to leave");
        var commandHost = await CommandHost.TryStartAsync(node, cmdPort, line.Option("--cmd-host"), "edgetrain seed", output, error).ConfigureAwait(false);
        await using var dashboard = await DashboardHost.TryStartAsync(node, dashboardPort, line.Option("--dashboard-host") ?? line.Option("--cmd-host"), "edgetrain seed", output, error).ConfigureAwait(false);
        await using var gateway = await GatewayHost.TryStartAsync(node, gatewayPort, line.Option("--gateway-host"), "edgetrain seed", output).ConfigureAwait(false);
        await using var enrolment = ca is null ? null : await StartEnrolmentAsync(node, ca, dataDir, host, self, enrollPort, output).ConfigureAwait(false);
        var console = node.System.ActorOf(Props.Create(() => new SeedConsoleActor(output, node.Coordinator)), "console");
        Cluster.Get(node.System).Subscribe(console, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        var stopped = await NodeRun.RunAsync(node, commandHost, "edgetrain seed", output, stop).ConfigureAwait(false);
        if (stopped is null)
        {
            output.WriteLine($"edgetrain seed {node.Address}: {(CoordinatedShutdown.Get(node.System).ShutdownReason is CoordinatedShutdown.ClusterLeavingReason ? "left the cluster" : "the cluster let this seed go")}");
        }

        return 0;
    }

    // the enrolment listener of a seed with the cluster's CA: its certificate in DATA-DIR/enrolment, every
    // enrolment in the coordinator's audit log
    private static async Task<EnrolmentHost> StartEnrolmentAsync(EdgeTrainNode node, CertificateAuthority ca, string dataDir, string host, string self, int? port, TextWriter output)
    {
        var settings = EnrolmentSettings.Create(node.System.Settings.Config);
        var desk = new EnrolmentDesk(ca, settings.CertificateValidity, CoordinatorAudit.Recorder(node.Coordinator, settings.AuditTimeout));
        var folder = Path.Combine(dataDir, "enrolment");
        try
        {
            var started = await EnrolmentHost.StartForSeedAsync(desk, ca, settings, folder, host, port, new AkkaLoggerProvider(node.System), line => output.WriteLine($"edgetrain seed: {line}")).ConfigureAwait(false);
            output.WriteLine($"edgetrain seed: enrolment on {started.Endpoint} (CA {ca.Name}, pin {ca.Pin}); nodes enrol with: edgetrain-node --seed {self} --enroll-file TOKEN-FILE");
            return started;
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidInputException("command line", "--enroll-port", $"the enrolment listener cannot start: {e.Message}", e);
        }
    }
}
