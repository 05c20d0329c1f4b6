using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Akka.Actor;
using EdgeTrain.Actors.Gateway;
using EdgeTrain.Actors.Security;
using EdgeTrain.Core.Security;
using EdgeTrain.Gateway.Protocol;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeTrain.Gateway.Device;

/// <summary>
/// A device's stream to its gateways: dials the first of its gateways (it needs no inbound port at all),
/// says who it is, then carries its trainers' messages up and the cluster's down until the stream breaks;
/// then dials the next gateway of its list after a wait that doubles from <c>reconnect-min</c> to
/// <c>reconnect-max</c> (with jitter; back to the minimum after a stream that was welcomed). Over TLS it
/// presents its node certificate and accepts only a gateway whose certificate chains to the cluster's CA
/// and grants the gateway role. What its trainers send while no stream is up waits in a bounded queue
/// (the oldest dropped first).
/// </summary>
public sealed class DeviceClient
{
    private readonly IReadOnlyList<(string Host, int Port)> gateways;
    private readonly NodeIdentity? identity;
    private readonly RevocationList revoked;
    private readonly string deviceId;
    private readonly object registration;
    private readonly GatewaySettings settings;
    private readonly WireMessages wire;
    private readonly TextWriter output;
    private readonly Channel<DeviceEnvelope> outgoing = Channel.CreateBounded<DeviceEnvelope>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private long connections;

    /// <summary>Creates the client; <paramref name="identity"/> null: without TLS.</summary>
    public DeviceClient(IReadOnlyList<(string Host, int Port)> gateways, NodeIdentity? identity, RevocationList revoked, string deviceId, object registration, GatewaySettings settings, ActorSystem system, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        ArgumentOutOfRangeException.ThrowIfZero(gateways.Count);
        this.gateways = gateways;
        this.identity = identity;
        this.revoked = revoked;
        this.deviceId = deviceId;
        this.registration = registration;
        this.settings = settings;
        wire = new WireMessages(system);
        this.output = output;
    }

    /// <summary>How many streams a gateway welcomed so far.</summary>
    public long Connections => Interlocked.Read(ref connections);

    /// <summary>Queues a message for the gateway.</summary>
    public void Send(DeviceEnvelope envelope) => outgoing.Writer.TryWrite(envelope);

    /// <summary>Keeps a stream to a gateway up until <paramref name="stop"/>, handing what comes down to <paramref name="host"/>.</summary>
    public async Task RunAsync(IActorRef host, CancellationToken stop)
    {
        var wait = settings.ReconnectMin;
        var next = 0;
        while (!stop.IsCancellationRequested)
        {
            var (gatewayHost, port) = gateways[next % gateways.Count];
            var welcomed = false;
            string why;
            try
            {
                await SessionAsync(gatewayHost, port, host, () => welcomed = true, stop).ConfigureAwait(false);
                why = "the gateway ended the stream";
            }
            catch (Exception e) when (e is RpcException or IOException or HttpRequestException or InvalidOperationException or OperationCanceledException)
            {
                if (stop.IsCancellationRequested)
                {
                    break; // stopping
                }

                why = e is not RpcException rpc
                    ? e.GetBaseException().Message
                    : rpc.StatusCode is StatusCode.PermissionDenied or StatusCode.InvalidArgument or StatusCode.ResourceExhausted
                        ? $"the gateway refused this device: {rpc.Status.Detail}"
                        : $"{rpc.StatusCode}: {rpc.Status.Detail}";
            }

            if (stop.IsCancellationRequested)
            {
                break;
            }

            wait = welcomed ? settings.ReconnectMin : Next(wait);
            next++;
            var (nextHost, nextPort) = gateways[next % gateways.Count];
            var jittered = wait * (0.8 + (0.4 * Random.Shared.NextDouble()));
            output.WriteLine($"edgetrain-node: stream to gateway {gatewayHost}:{port} ended ({why}); dialling {nextHost}:{nextPort} in {jittered.TotalSeconds:0.0} s");
            try
            {
                await Task.Delay(jittered, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private TimeSpan Next(TimeSpan wait) => TimeSpan.FromTicks(Math.Min(settings.ReconnectMax.Ticks, wait.Ticks * 2));

    private async Task SessionAsync(string gatewayHost, int port, IActorRef host, Action welcomed, CancellationToken stop)
    {
        using var channel = GrpcChannel.ForAddress($"{(identity is null ? "http" : "https")}://{gatewayHost}:{port}", new GrpcChannelOptions
        {
            HttpHandler = Handler(),
            MaxReceiveMessageSize = settings.MaxMessageSize,
            MaxSendMessageSize = settings.MaxMessageSize,
        });
        var client = new Protocol.Gateway.GatewayClient(channel);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var call = client.Connect(cancellationToken: session.Token);
        await call.RequestStream.WriteAsync(new DeviceFrame { Hello = new Hello { DeviceId = deviceId, Registration = wire.WriteObject(registration) } }, stop).ConfigureAwait(false);
        if (!await call.ResponseStream.MoveNext(stop).ConfigureAwait(false) || call.ResponseStream.Current.KindCase != GatewayFrame.KindOneofCase.Welcome)
        {
            throw new IOException("the gateway did not welcome this device");
        }

        var welcome = call.ResponseStream.Current.Welcome;
        Interlocked.Increment(ref connections);
        welcomed();
        output.WriteLine($"edgetrain-node: training through gateway {gatewayHost}:{port} ({welcome.Gateway}) as {welcome.Address}");
        var writer = WriteAsync(call.RequestStream, session.Token);
        try
        {
            while (await call.ResponseStream.MoveNext(session.Token).ConfigureAwait(false))
            {
                var frame = call.ResponseStream.Current;
                if (frame.KindCase != GatewayFrame.KindOneofCase.Message)
                {
                    continue;
                }

                try
                {
                    host.Tell(wire.Read(frame.Message));
                }
                catch (InvalidDataException e)
                {
                    output.WriteLine($"edgetrain-node: skipped a message from the gateway: {e.Message}");
                }
            }
        }
        finally
        {
            await session.CancelAsync().ConfigureAwait(false);
            await writer.ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(IClientStreamWriter<DeviceFrame> stream, CancellationToken stop)
    {
        try
        {
            await foreach (var envelope in outgoing.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                await stream.WriteAsync(new DeviceFrame { Message = wire.Write(envelope) }, stop).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
            // the stream ended; what was taken from the queue and not written is lost (a trainer asks again)
        }
    }

    private SocketsHttpHandler Handler()
    {
        var handler = new SocketsHttpHandler
        {
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            InitialHttp2StreamWindowSize = 2 * 1024 * 1024,
        };
        if (identity is not null)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [identity.Certificate],
                RemoteCertificateValidationCallback = (_, certificate, chain, _) => IsGateway(certificate as X509Certificate2, chain),
            };
        }

        return handler;
    }

    // the gateway's certificate chains to the cluster's CA, is unrevoked and grants the gateway role (its host name is not what makes it ours)
    private bool IsGateway(X509Certificate2? certificate, X509Chain? chain)
    {
        var check = PeerCertificatePolicy.Check(certificate, identity!.Ca, revoked, DateTimeOffset.UtcNow, chain?.ChainPolicy.ExtraStore);
        if (!check.Accepted)
        {
            output.WriteLine($"edgetrain-node: the gateway's certificate is refused: {PeerCertificates.Describe(check.Reason)} ({check.Detail})");
            return false;
        }

        if (!check.Roles.Contains(ClusterRoles.Gateway, StringComparer.Ordinal))
        {
            output.WriteLine($"edgetrain-node: the peer's certificate {check.Serial} (node {check.NodeId}) does not grant the gateway role");
            return false;
        }

        return true;
    }
}
