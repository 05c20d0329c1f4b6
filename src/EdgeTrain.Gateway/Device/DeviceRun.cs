using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Gateway;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core.Membership;
using EdgeTrain.Core.Security;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Gateway.Device;

/// <summary>What a device that trains through gateways is told on its command line.</summary>
/// <param name="Gateways">The gateways it dials, in order.</param>
/// <param name="Identity">Its identity (its certificate names it); null without TLS.</param>
/// <param name="DeviceId">Its name without TLS (with TLS, its certificate's node id).</param>
/// <param name="Region">Its region.</param>
/// <param name="Capabilities">What it can do (probed).</param>
/// <param name="ConfigFiles">Extra HOCON files.</param>
/// <param name="TorchThreads">libtorch threads (0: libtorch's default).</param>
/// <param name="Revoked">The revocations it knows of (a gateway holding a revoked certificate is refused).</param>
public sealed record DeviceOptions(
    IReadOnlyList<(string Host, int Port)> Gateways,
    NodeIdentity? Identity,
    string DeviceId,
    string Region,
    NodeCapabilities Capabilities,
    IReadOnlyList<string> ConfigFiles,
    int TorchThreads,
    RevocationList Revoked);

/// <summary>
/// Runs a device (<c>edgetrain-node --via-gateway</c>): an ActorSystem of its own that is no cluster member and
/// opens no port, with a <see cref="DeviceHostActor"/> whose trainers reach the cluster through
/// <see cref="DeviceClient"/>'s stream, until <c>stop</c>.
/// </summary>
public static class DeviceRun
{
    /// <summary>Runs the device until <paramref name="stop"/>.</summary>
    public static async Task RunAsync(DeviceOptions options, TextWriter output, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var config = ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture, $"""
                akka.actor.provider = local
                akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
                edgetrain.training.torch-threads = {options.TorchThreads}
                edgetrain.region = "{options.Region}"
                """))
            .WithFallback(ClusterConfigBuilder.ForTool(options.ConfigFiles));
        var settings = EdgeTrainSettings.Create(config);
        var gateway = GatewaySettings.Create(config);
        var address = DeviceNames.Address(options.DeviceId);
        var system = ActorSystem.Create("edgetrain-device", config);
        try
        {
            var registration = new RegisterNode(address, options.Region, [CapabilityScore.TrainerRole], options.Capabilities, null, settings.MaxJobs);
            var client = new DeviceClient(options.Gateways, options.Identity, options.Revoked, options.DeviceId, registration, gateway, system, output);
            var host = system.ActorOf(DeviceHostActor.Props(client.Send, settings, address), "device");
            output.WriteLine($"edgetrain-node {address}: a device behind NAT, training through {string.Join(", ", options.Gateways.Select(g => $"{g.Host}:{g.Port}"))}; {CapabilityScore.Describe(options.Capabilities)}");
            await client.RunAsync(host, stop).ConfigureAwait(false);
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }

        output.WriteLine("edgetrain-node: stopped");
    }
}
