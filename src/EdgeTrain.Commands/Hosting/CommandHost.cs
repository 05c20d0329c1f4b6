using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Commands.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeTrain.Commands.Hosting;

/// <summary>
/// The command host of one node: Kestrel serving <see cref="CommandService"/> over HTTP/2 (with
/// TLS when a certificate is configured) on <c>edgetrain.cmd.host:port</c>, and the log collector
/// behind <c>log peek</c>. Disposing ends the running commands and stops the server.
/// </summary>
public sealed class CommandHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly HostStopping stopping;
    private readonly IActorRef collector;
    private readonly ActorSystem system;

    private CommandHost(WebApplication app, HostStopping stopping, IActorRef collector, ActorSystem system, string endpoint)
    {
        this.app = app;
        this.stopping = stopping;
        this.collector = collector;
        this.system = system;
        Endpoint = endpoint;
    }

    /// <summary>Where clients connect: <c>host:port</c>.</summary>
    public string Endpoint { get; }

    /// <summary>The URL scheme clients use: <c>https</c> with TLS, else <c>http</c>.</summary>
    public string Scheme { get; private init; } = "http";

    /// <summary>Starts the host of <paramref name="node"/>; null when <paramref name="settings"/> turn it off (port 0).</summary>
    /// <exception cref="InvalidOperationException">it cannot listen there, or the certificate cannot be read; the message says why.</exception>
    public static async Task<CommandHost?> StartAsync(EdgeTrainNode node, CommandHostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Port == 0)
        {
            return null;
        }

        var certificate = settings.Tls ? LoadCertificate(settings) : null;
        var address = await ListenAddress.ResolveAsync(settings.Host, "edgetrain.cmd.host").ConfigureAwait(false);
        var logs = new LogRing(settings.LogBuffer);
        var collector = node.System.ActorOf(LogCollectorActor.Props(logs), "cmd-log-collector");
        var stopping = new HostStopping();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "edgetrain-cmd-host", ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new AkkaLoggerProvider(node.System));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<IHostLifetime, NoConsoleLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(new CommandExecutor(node, settings, logs));
        builder.Services.AddSingleton(stopping);
        builder.Services.AddGrpc();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, settings.Port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        app.MapGrpcService<CommandService>();
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            node.System.Stop(collector);
            stopping.Dispose();
            throw new InvalidOperationException($"cannot listen on {settings.Host}:{settings.Port}: {e.GetBaseException().Message}", e);
        }

        return new CommandHost(app, stopping, collector, node.System, $"{settings.Host}:{settings.Port}") { Scheme = certificate is null ? "http" : "https" };
    }

    /// <summary>
    /// Starts the host of a program's node with the configuration's settings, where given overridden
    /// by the program's <c>--cmd-port</c> and <c>--cmd-host</c>; says on <paramref name="output"/> where
    /// to connect. A host that cannot start is no reason to stop the node: it says why on
    /// <paramref name="error"/> and returns null, as it does when turned off.
    /// </summary>
    public static async Task<CommandHost?> TryStartAsync(EdgeTrainNode node, int? port, string? host, string program, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var configured = CommandHostSettings.Create(node.System.Settings.Config);
        var settings = configured with { Port = port ?? configured.Port, Host = host ?? configured.Host };
        try
        {
            var started = await StartAsync(node, settings).ConfigureAwait(false);
            if (started is not null)
            {
                await output.WriteLineAsync($"{program}: command host on {started.Endpoint} ({(settings.Tls ? "TLS" : "plain HTTP/2")}, {(settings.Token.Length > 0 ? "token set" : "no token: read-only")}): edgetrain-cmd {started.Endpoint}{(settings.Tls ? " --tls" : "")} cluster show").ConfigureAwait(false);
            }

            return started;
        }
        catch (InvalidOperationException e)
        {
            await error.WriteLineAsync($"{program}: no command host: {e.Message}").ConfigureAwait(false);
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        stopping.Stop();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await app.DisposeAsync().ConfigureAwait(false);
        if (!system.WhenTerminated.IsCompleted)
        {
            system.Stop(collector);
        }

        stopping.Dispose();
    }

    // the certificate of the command host's TLS (the dashboard serves HTTPS with it too)
    internal static X509Certificate2 LoadCertificate(CommandHostSettings settings)
    {
        try
        {
            return X509CertificateLoader.LoadPkcs12FromFile(settings.CertificatePath, settings.CertificatePassword);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"edgetrain.cmd.tls.certificate-path: cannot read {settings.CertificatePath}: {e.Message}", e);
        }
    }
}
