using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeTrain.Enrolment.Server;

/// <summary>
/// The seed's enrolment listener: Kestrel serving <see cref="EnrolmentService"/> over HTTP/2 and TLS on a
/// port of its own, with a server certificate of the cluster's CA. Clients may present a certificate (a
/// renewal does); the service, not the handshake, decides about it, so that a refusal says why. Requests are
/// limited in size and connections in number. Disposing stops it.
/// </summary>
public sealed class EnrolmentHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly X509Certificate2 certificate;

    private EnrolmentHost(WebApplication app, X509Certificate2 certificate, Uri endpoint)
    {
        this.app = app;
        this.certificate = certificate;
        Endpoint = endpoint;
    }

    /// <summary>Where it listens (https, the bound address and port).</summary>
    public Uri Endpoint { get; }

    /// <summary>
    /// Starts a listener on <paramref name="host"/>:<paramref name="port"/> (port 0: any free port) serving
    /// <paramref name="desk"/> with <paramref name="serverCertificate"/> (which holds its key; the host owns it from now on).
    /// </summary>
    /// <param name="desk">What decides the requests.</param>
    /// <param name="serverCertificate">The TLS certificate, with its key.</param>
    /// <param name="settings">Limits of requests and connections.</param>
    /// <param name="host">The address to bind to (0.0.0.0: every interface).</param>
    /// <param name="port">The port (0: any free one).</param>
    /// <param name="logging">Where Kestrel's warnings go (none when null).</param>
    /// <param name="report">Told one line for every enrolment granted or refused (nothing when null).</param>
    /// <exception cref="InvalidOperationException">it cannot listen there, saying why.</exception>
    public static async Task<EnrolmentHost> StartAsync(
        EnrolmentDesk desk,
        X509Certificate2 serverCertificate,
        EnrolmentSettings settings,
        string host,
        int port,
        ILoggerProvider? logging = null,
        Action<string>? report = null)
    {
        ArgumentNullException.ThrowIfNull(desk);
        ArgumentNullException.ThrowIfNull(serverCertificate);
        ArgumentNullException.ThrowIfNull(settings);
        var address = host.Length == 0 ? IPAddress.Any : await ListenAddress.ResolveAsync(host, "edgetrain.enrolment.host").ConfigureAwait(false);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "edgetrain-enrolment", ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        if (logging is not null)
        {
            builder.Logging.AddProvider(logging);
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<IHostLifetime, NoConsoleLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(desk);
        builder.Services.AddSingleton(new EnrolmentReport(report ?? (_ => { })));
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = settings.MaxRequestSize;
            grpc.EnableDetailedErrors = false;
        });
        var ca = X509CertificateLoader.LoadCertificate(desk.Ca.RawData);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = settings.MaxConnections;
            // a little above gRPC's own limit (its 5-byte frame header), so that gRPC refuses a message too large by name (ResourceExhausted)
            kestrel.Limits.MaxRequestBodySize = settings.MaxRequestSize + 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 32;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 4;
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Listen(address, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serverCertificate,
                    ServerCertificateChain = [ca],
                    SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    HandshakeTimeout = TimeSpan.FromSeconds(10),
                    // a renewal presents the node's certificate; EnrolmentDesk checks it and says why when it refuses
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    ClientCertificateValidation = (_, _, _) => true,
                    CheckCertificateRevocation = false,
                });
            });
        });
        var app = builder.Build();
        app.MapGrpcService<EnrolmentService>();
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            serverCertificate.Dispose();
            throw new InvalidOperationException($"cannot listen on {host}:{port}: {e.GetBaseException().Message}", e);
        }

        var bound = app.Urls.Select(u => new Uri(u)).FirstOrDefault()?.Port ?? port;
        var shown = address.Equals(IPAddress.Any) ? "0.0.0.0" : address.ToString();
        return new EnrolmentHost(app, serverCertificate, new Uri($"https://{shown}:{bound}"));
    }

    /// <summary>
    /// Starts the enrolment listener of a seed that holds the cluster's CA: the settings' bind host, unless
    /// <paramref name="port"/> overrides it the settings' port, and a server certificate from
    /// <see cref="ServerCertificateFiles"/> in <paramref name="folder"/> naming <paramref name="publicHost"/>,
    /// localhost, 127.0.0.1 and the settings' server names.
    /// </summary>
    /// <exception cref="InvalidOperationException">it cannot listen, saying why.</exception>
    public static async Task<EnrolmentHost> StartForSeedAsync(
        EnrolmentDesk desk,
        CertificateAuthority ca,
        EnrolmentSettings settings,
        string folder,
        string publicHost,
        int? port,
        ILoggerProvider? logging = null,
        Action<string>? report = null)
    {
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentNullException.ThrowIfNull(settings);
        var names = new[] { publicHost, "localhost", "127.0.0.1" }.Concat(settings.ServerNames)
            .Where(n => n is not ("" or "0.0.0.0" or "*")).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var (certificate, _) = ServerCertificateFiles.LoadOrIssue(ca, folder, names, settings.ServerValidity, DateTimeOffset.UtcNow);
        return await StartAsync(desk, certificate, settings, settings.Host, port ?? settings.Port, logging, report).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await app.DisposeAsync().ConfigureAwait(false);
        certificate.Dispose();
    }
}
