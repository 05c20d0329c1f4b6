using Akka.Actor;
using EdgeTrain.Actors.Gateway;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Security;
using EdgeTrain.Commands.Hosting;
using EdgeTrain.Core;
using EdgeTrain.Core.Membership;
using EdgeTrain.Core.Security;
using EdgeTrain.Enrolment;
using EdgeTrain.Enrolment.Client;
using EdgeTrain.Gateway.Device;
using EdgeTrain.Gateway.Server;
using EdgeTrain.Training.Capabilities;

namespace EdgeTrain.Node;

/// <summary>
/// <c>edgetrain-node --seed HOST:PORT … [--port P] [--host H] [--region R] [--roles a,b] [--data-dir D]
/// [--config FILE] [--torch-threads N] [--identity DIR] [--enroll TOKEN | --enroll-file FILE] [--enroll-port P] [--insecure]</c>: enrols with a
/// join token when given one and not enrolled yet (<see cref="NodeEnrolment"/>), probes this device, joins the cluster through the seeds,
/// hosts the roles its capabilities allow, and stops on SIGTERM or Ctrl-C (<see cref="StopSignals"/>): a member
/// leaves gracefully first (its shards hand off), for at most <c>edgetrain.node.leave-timeout</c>.
/// </summary>
internal static class NodeCommand
{
    public const string Usage = """
        usage: edgetrain-node --seed HOST:PORT [--seed HOST:PORT ...] [options]
               edgetrain-node --via-gateway HOST:PORT [--via-gateway HOST:PORT ...] [options]

          --seed HOST:PORT     a seed node to join through (repeatable, or comma-separated)
          --via-gateway H:P    train as a device behind NAT: no cluster membership and no inbound port;
                               one stream to a gateway (repeatable: the next is dialled when one is gone)
          --gateway-port P     also be a gateway for such devices, listening on P (0: any free port)
          --gateway-host H     address the gateway listens on (default edgetrain.gateway.host, 0.0.0.0)
          --device-id ID       a device's name without TLS (with TLS its certificate names it)
          --port P             remoting port (default 0: any free port)
          --host H             address other nodes reach this one at (default 127.0.0.1)
          --region NAME        this node's region (default: local)
          --roles a,b          params, aggregator, trainer (default: what this device can do)
          --data-dir DIR       where the node keeps its files (default: data)
          --config FILE        extra HOCON, e.g. hocon/postgres.conf (repeatable)
          --torch-threads N    libtorch threads for training (default 0: all cores)
          --cmd-port P         port of the command host for edgetrain-cmd (default 9110; 0: none)
          --cmd-host H         address the command host listens on (default 127.0.0.1)
          --identity DIR       the node's identity folder (default DATA-DIR/identity; also
                               edgetrain.security.identity-dir): nodes sharing a data folder each need their own
          --enroll TOKEN       enrol with a one-time join token (edgetrain token create on the seed)
          --enroll-file FILE   the same, the token read from FILE (keeps it off the command line)
          --enroll-port P      the seed's enrolment port when the token names no endpoint (default 9112)
          --insecure           run without TLS (debugging only): no identity needed, nothing checked

        Over TLS (the default) the node needs its identity in DATA-DIR/identity (node.crt, node.key,
        ca.crt), from enrolling with a one-time token; it claims only the roles its certificate grants.

        Enrolment: the first start with a join token makes the node's key (it never leaves this
        machine), asks the seed's enrolment endpoint (the token's, else HOST of the first --seed and
        the enrolment port) for a certificate, trusting only the CA whose pin the token carries, and
        writes DATA-DIR/identity (node.crt, node.key 0600, ca.crt, revoked). Later starts reuse it
        without a token, and renew the certificate over mutual TLS when less than
        edgetrain.enrolment.renew-before (7d) of it is left. Exit code 2: bad token, CA pin mismatch,
        enrolment endpoint unreachable, or enrolment refused (the message says why).

        A node asked to leave (SIGTERM, Ctrl-C, or edgetrain-cmd cluster leave) hands its slices off
        and exits (after edgetrain.node.leave-timeout at the latest; at once when it is no member);
        one that the cluster downed joins again by itself.
        """;

    private static readonly string[] Valued = ["--seed", "--port", "--host", "--region", "--roles", "--data-dir", "--config", "--torch-threads", "--cmd-port", "--cmd-host", "--identity", "--enroll", "--enroll-file", "--enroll-port", "--via-gateway", "--gateway-port", "--gateway-host", "--device-id"];
    private static readonly string[] Switches = [InsecureMode.Switch];
    private static readonly string[] NodeRoles = [CapabilityScore.ParamsRole, CapabilityScore.AggregatorRole, CapabilityScore.TrainerRole];

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken stop)
    {
        var line = CommandLine.Parse(args, Valued, Switches);
        line.AllowPositionals(0, "edgetrain-node --seed HOST:PORT [options]");
        var seeds = line.Options("--seed");
        var gateways = line.Options("--via-gateway").Select(g => ClusterConfigBuilder.ParseEndpoint(g, "--via-gateway")).ToList();
        if (seeds.Count == 0 && gateways.Count == 0)
        {
            throw new InvalidInputException("command line", "--seed", "missing; expected at least one seed node as HOST:PORT (or --via-gateway HOST:PORT for a device behind NAT)");
        }

        if (seeds.Count > 0 && gateways.Count > 0)
        {
            throw new InvalidInputException("command line", "--via-gateway", "a device trains through gateways without joining the cluster: give --seed or --via-gateway, not both");
        }

        foreach (var seed in seeds)
        {
            ClusterConfigBuilder.SeedAddress(seed);
        }

        var dataDir = line.Option("--data-dir") ?? "data";
        var requested = line.Options("--roles");
        foreach (var role in requested.Where(r => !NodeRoles.Contains(r)))
        {
            throw new InvalidInputException("command line", "--roles", $"unknown role '{role}'; expected {string.Join(", ", NodeRoles)}");
        }

        // --insecure, or edgetrain.security.mode = insecure in a --config file
        var tool = ClusterConfigBuilder.ForTool(line.Options("--config"));
        var security = SecuritySettings.Create(tool.GetConfig("edgetrain"), dataDir);
        var insecure = line.Flag(InsecureMode.Switch) || security.Mode == SecurityMode.Insecure;
        var token = JoinTokenOption(line);
        if (insecure && token is not null)
        {
            throw new InvalidInputException("command line", "--insecure", "a node without TLS (--insecure) has no use for a certificate; drop --enroll/--enroll-file or --insecure");
        }

        if (insecure)
        {
            error.WriteLine(InsecureMode.Warning("edgetrain-node"));
        }

        // enrolment (or renewal) first: a node that cannot get its identity stops here with exit code 2
        var enrolment = EnrolmentSettings.Create(tool);
        if (line.Option("--enroll-port") is not null)
        {
            enrolment = enrolment with { Port = line.Int("--enroll-port", EnrolmentSettings.DefaultPort, 1, 65535) };
        }

        var identity = line.Option("--identity") is { } identityDir ? new IdentityFolder(Path.GetFullPath(identityDir)) : security.Identity;
        var enrol = new NodeEnrolment(enrolment, output);
        // a device enrols where its gateway is, unless its token names the enrolment endpoint
        var enrolVia = seeds.Count > 0 ? seeds[0] : line.Options("--via-gateway")[0];
        if (!insecure)
        {
            await enrol.PrepareAsync(identity, token, enrolVia, gateways.Count > 0 ? [CapabilityScore.TrainerRole] : requested, stop).ConfigureAwait(false);
        }

        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var renewal = insecure ? Task.CompletedTask : enrol.RenewWhileRunningAsync(identity, enrolVia, renewing.Token);

        var capabilities = CapabilityProbe.Probe(dataDir, TimeSpan.FromMilliseconds(200));
        if (gateways.Count > 0)
        {
            try
            {
                await RunDeviceAsync(line, gateways, identity, insecure, dataDir, capabilities, output, stop).ConfigureAwait(false);
                return 0;
            }
            finally
            {
                await renewing.CancelAsync().ConfigureAwait(false);
                await renewal.ConfigureAwait(false);
            }
        }

        var roles = (requested.Count > 0 ? requested : CapabilityScore.DefaultRoles(capabilities)).Distinct().ToList();
        if (!capabilities.TorchAvailable && (requested.Count == 0 || roles.Contains(CapabilityScore.TrainerRole)))
        {
            roles.Remove(CapabilityScore.TrainerRole);
            error.WriteLine($"edgetrain-node: joining without the trainer role: {capabilities.TorchError}");
        }

        if (!insecure && requested.Count == 0 && identity.Exists)
        {
            // the roles this device could take that its certificate does not grant are not claimed
            using var held = identity.Read();
            var withheld = roles.Except(held.Roles, StringComparer.Ordinal).ToList();
            if (withheld.Count > 0)
            {
                roles.RemoveAll(withheld.Contains);
                output.WriteLine($"edgetrain-node: not claiming {string.Join(",", withheld)}: the certificate of {held.NodeId} does not grant it");
            }
        }

        // a gateway for devices behind NAT is a role of its own (its certificate must grant it)
        int? gatewayPort = line.Option("--gateway-port") is null ? null : line.Int("--gateway-port", 0, 0, 65535);
        if (gatewayPort is not null)
        {
            roles.Add(ClusterRoles.Gateway);
        }

        var options = new NodeOptions(
            line.Option("--host") ?? "127.0.0.1",
            line.Int("--port", 0, 0, 65535),
            seeds,
            line.Option("--region") ?? "local",
            roles,
            dataDir,
            capabilities,
            line.Options("--config"),
            line.Int("--torch-threads", 0, 0, 1024),
            insecure ? SecurityMode.Insecure : null,
            IdentityDirectory: identity.Path);
        int? cmdPort = line.Option("--cmd-port") is null ? null : line.Int("--cmd-port", 0, 0, 65535);
        var cmdHost = line.Option("--cmd-host");
        // A node that the cluster lets go (downed by the split brain resolver after a network
        // loss, or cut off) terminates its ActorSystem; a volunteer's node then starts a fresh one
        // and joins again, waiting 1, 2, 4 … 60 s between attempts (reset after an hour up).
        try
        {
            var backoff = RejoinBackoff.First;
            while (!stop.IsCancellationRequested)
            {
                var node = EdgeTrainNode.Start(options);
                var started = DateTime.UtcNow;
                output.WriteLine($"edgetrain-node {node.Address}: region {options.Region}, roles {string.Join(",", roles)}; {CapabilityScore.Describe(capabilities)}");
                var host = await CommandHost.TryStartAsync(node, cmdPort, cmdHost, "edgetrain-node", output, error).ConfigureAwait(false);
                await using var gateway = await GatewayHost.TryStartAsync(node, gatewayPort, line.Option("--gateway-host"), "edgetrain-node", output).ConfigureAwait(false);
                var stopped = await NodeRun.RunAsync(node, host, "edgetrain-node", output, stop).ConfigureAwait(false);
                if (stopped is not null)
                {
                    return 0;
                }

                // `edgetrain-cmd cluster leave`: gone for good; downed: join again
                if (CoordinatedShutdown.Get(node.System).ShutdownReason is CoordinatedShutdown.ClusterLeavingReason)
                {
                    output.WriteLine($"edgetrain-node {node.Address}: left the cluster");
                    return 0;
                }

                backoff = RejoinBackoff.Next(backoff, DateTime.UtcNow - started);
                var why = InsecureMode.IsTlsHandshakeFailure(CoordinatedShutdown.Get(node.System).ShutdownReason)
                    ? "a TLS handshake with a peer failed (its certificate or this node's was refused; see the log)"
                    : "the cluster let this node go";
                output.WriteLine($"edgetrain-node {node.Address}: {why}; joining again in {backoff.TotalSeconds:0} s");
                try
                {
                    await Task.Delay(backoff, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    output.WriteLine("edgetrain-node: stopped");
                    return 0;
                }
            }

            return 0;
        }
        finally
        {
            await renewing.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
        }
    }

    // a device behind NAT: trains through its gateways (trainer role only; its certificate names it)
    private static async Task RunDeviceAsync(CommandLine line, List<(string Host, int Port)> gateways, IdentityFolder identity, bool insecure, string dataDir, NodeCapabilities capabilities, TextWriter output, CancellationToken stop)
    {
        if (!capabilities.TorchAvailable)
        {
            throw new InvalidInputException("command line", "--via-gateway", $"a device trains, and libtorch does not load here: {capabilities.TorchError}");
        }

        using var held = insecure ? null : identity.Read();
        if (held is not null && !held.Roles.Contains(CapabilityScore.TrainerRole, StringComparer.Ordinal))
        {
            throw new InvalidInputException(identity.CertificatePath, "--via-gateway", $"the certificate of {held.NodeId} grants {string.Join(", ", held.Roles)}, not {CapabilityScore.TrainerRole}: a device only trains");
        }

        var deviceId = held?.NodeId ?? line.Option("--device-id") ?? DeviceIdFile.LoadOrCreate(dataDir);
        if (!DeviceNames.IsValidId(deviceId))
        {
            throw new InvalidInputException("command line", "--device-id", $"'{deviceId}' cannot name a device (1 to 64 letters, digits, '-', '_', '.')");
        }

        var options = new DeviceOptions(
            gateways,
            held,
            deviceId,
            line.Option("--region") ?? "local",
            capabilities,
            line.Options("--config"),
            line.Int("--torch-threads", 0, 0, 1024),
            held is null ? RevocationList.Empty : identity.ReadRevocations(held.Ca));
        await DeviceRun.RunAsync(options, output, stop).ConfigureAwait(false);
    }

    // the join token of --enroll or --enroll-file (null: neither)
    private static string? JoinTokenOption(CommandLine line)
    {
        var text = line.Option("--enroll");
        var file = line.Option("--enroll-file");
        if (text is not null && file is not null)
        {
            throw new InvalidInputException("command line", "--enroll-file", "give the join token once: --enroll TOKEN or --enroll-file FILE");
        }

        if (file is null)
        {
            return text;
        }

        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(file, "--enroll-file", $"cannot read the join token: {e.Message}", e);
        }
    }
}
