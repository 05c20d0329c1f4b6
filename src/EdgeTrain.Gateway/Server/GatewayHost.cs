using System.Net;
using System.Security.Authentication;
using Akka.Actor;
using Akka.Event;
using EdgeTrain.Actors.Gateway;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeTrain.Gateway.Server;

/// <summary>
/// The gateway role of a node: its <see cref="GatewayActor"/> (<c>/user/gateway</c>) and a listener of its own
/// (Kestrel, HTTP/2; over TLS with the node's certificate, every device presenting its own) where devices
/// that only dial out open their stream (<see cref="GatewayService"/>). Disposing stops the listener.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly GatewayContext context;
    private readonly NodeIdentity? identity;

    private GatewayHost(WebApplication app, GatewayContext context, NodeIdentity? identity, Uri endpoint)
    {
        this.app = app;
        this.context = context;
        this.identity = identity;
        Endpoint = endpoint;
    }

    /// <summary>Where devices dial (https, or http without TLS).</summary>
    public Uri Endpoint { get; }

    /// <summary>The gateway actor.</summary>
    public IActorRef Actor => context.Actor;

    /// <summary>Bytes read from devices' streams so far.</summary>
    public long BytesIn => context.BytesIn;

    /// <summary>Bytes written to devices' streams so far.</summary>
    public long BytesOut => context.BytesOut;

    /// <summary>
    /// Starts the gateway of <paramref name="node"/> on <paramref name="host"/>:<paramref name="port"/> (the settings' where null;
    /// port 0: any free one). Over TLS the node's certificate must grant the gateway role.
    /// </summary>
    /// <exception cref="InvalidOperationException">it cannot listen there, or the node's certificate does not grant the gateway role; the message says why.</exception>
    public static async Task<GatewayHost> StartAsync(EdgeTrainNode node, GatewaySettings settings, string? host = null, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(settings);
        var bindHost = host ?? settings.Host;
        var bindPort = port ?? settings.Port;
        var address = await ListenAddress.ResolveAsync(bindHost, "edgetrain.gateway.host").ConfigureAwait(false);
        NodeIdentity? identity = null;
        if (node.Peers is not null)
        {
            identity = node.Settings.Security.Identity.Read();
            if (!identity.Roles.Contains(ClusterRoles.Gateway, StringComparer.Ordinal))
            {
                var roles = string.Join(", ", identity.Roles);
                identity.Dispose();
                throw new InvalidOperationException($"the certificate of node {identity.NodeId} grants {roles}, not {ClusterRoles.Gateway}: enrol it with a join token that grants {ClusterRoles.Gateway}");
            }
        }

        var actor = node.System.ActorOf(GatewayActor.Props(node.Shards, node.Aggregators, node.Coordinator, settings), DeviceNames.Gateway);
        var context = new GatewayContext(actor, settings, node.Peers, identity?.Ca, new WireMessages(node.System), Logging.GetLogger(node.System, typeof(GatewayHost)), node.Address);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "edgetrain-gateway", ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning);
        builder.Services.AddSingleton<IHostLifetime, NoConsoleLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(context);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = settings.MaxMessageSize;
            grpc.MaxSendMessageSize = settings.MaxMessageSize;
            grpc.EnableDetailedErrors = false;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = settings.MaxDevices + 16;
            kestrel.Limits.MaxRequestBodySize = null; // a stream lives long; gRPC limits each message
            kestrel.Limits.Http2.MaxStreamsPerConnection = 4;
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(15);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            kestrel.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 2 * 1024 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Listen(address, bindPort, listen =>
            {
                // over TLS, ALPN lets devices speak HTTP/2 (gRPC) and browsers what they like on the same port;
                // without TLS only HTTP/2 with prior knowledge (gRPC), so no browser pages
                listen.Protocols = identity is null ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2;
                if (identity is not null)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = identity.Certificate,
                        ServerCertificateChain = [identity.Ca],
                        SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        HandshakeTimeout = TimeSpan.FromSeconds(10),
                        // a device presents its certificate (GatewayService checks it and says why when it refuses); a
                        // browser has none and shows a join token instead
                        ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                        ClientCertificateValidation = (_, _, _) => true,
                        CheckCertificateRevocation = false,
                    });
                }
            });
        });
        var app = builder.Build();
        app.MapGrpcService<GatewayService>();
        if (identity is not null)
        {
            Browser.BrowserEndpoints.Map(app, context);
        }
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            identity?.Dispose();
            node.System.Stop(actor);
            throw new InvalidOperationException($"the gateway cannot listen on {bindHost}:{bindPort}: {e.GetBaseException().Message}", e);
        }

        var bound = app.Urls.Select(u => new Uri(u)).FirstOrDefault()?.Port ?? bindPort;
        var shown = address.Equals(IPAddress.Any) ? "0.0.0.0" : address.ToString();
        return new GatewayHost(app, context, identity, new Uri($"{(identity is null ? "http" : "https")}://{shown}:{bound}"));
    }

    /// <summary>
    /// Starts the gateway of a program's node when <paramref name="port"/> is given (null: no gateway) and prints
    /// where it listens; a gateway that cannot start stops the program with the reason.
    /// </summary>
    /// <exception cref="Core.InvalidInputException">the gateway cannot start (naming <c>--gateway-port</c>).</exception>
    public static async Task<GatewayHost?> TryStartAsync(EdgeTrainNode node, int? port, string? host, string program, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(output);
        if (port is null)
        {
            return null;
        }

        try
        {
            var started = await StartAsync(node, GatewaySettings.Create(node.System.Settings.Config), host, port).ConfigureAwait(false);
            output.WriteLine($"{program}: gateway for devices on {started.Endpoint} (edgetrain-node --via-gateway HOST:{started.Endpoint.Port})");
            return started;
        }
        catch (InvalidOperationException e)
        {
            throw new Core.InvalidInputException("command line", "--gateway-port", e.Message, e);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        identity?.Dispose();
    }
}
