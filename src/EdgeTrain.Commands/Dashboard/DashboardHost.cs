using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Commands.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeTrain.Commands.Dashboard;

/// <summary>
/// The researcher's dashboard on a seed: a read-only web page on its own port (Kestrel, HTTP/1.1; HTTPS with the
/// command host's certificate when one is configured) — <c>/</c> the page, <c>/static/NAME</c> its script, styles and
/// the vendored chart library, <c>/api/snapshot</c> the latest <see cref="DashboardSnapshot"/> as JSON and
/// <c>/api/events</c> the same as server-sent events, one each time it changes. Only GET is served; nothing on it
/// changes the cluster. The page loads nothing from elsewhere (its Content-Security-Policy allows only itself).
/// </summary>
public sealed class DashboardHost : IAsyncDisposable
{
    /// <summary>The default port: the command host's plus one.</summary>
    public const int DefaultPort = CommandHostSettings.DefaultPort + 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly WebApplication app;
    private readonly DashboardFeed feed;
    private readonly CancellationTokenSource closing = new();

    private DashboardHost(WebApplication app, DashboardFeed feed, string url)
    {
        this.app = app;
        this.feed = feed;
        Url = url;
    }

    /// <summary>Where to open it: <c>http(s)://host:port/</c>.</summary>
    public string Url { get; }

    /// <summary>
    /// Starts the dashboard of <paramref name="node"/> (a seed: it asks the coordinator) on <paramref name="host"/>:<paramref name="port"/>,
    /// refreshed every <paramref name="interval"/>; HTTPS with <paramref name="certificate"/> when given.
    /// </summary>
    /// <exception cref="InvalidOperationException">it cannot listen there; the message says why.</exception>
    public static async Task<DashboardHost> StartAsync(EdgeTrainNode node, string host, int port, TimeSpan interval, X509Certificate2? certificate = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        var address = await ListenAddress.ResolveAsync(host, "--dashboard-host").ConfigureAwait(false);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "edgetrain-dashboard", ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new AkkaLoggerProvider(node.System));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<IHostLifetime, NoConsoleLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(3));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, port, listen =>
        {
            listen.Protocols = certificate is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        var feed = new DashboardFeed(node.System, node.Coordinator, interval);
        var dashboard = new DashboardHost(app, feed, $"{(certificate is null ? "http" : "https")}://{host}:{port}/");
        dashboard.Map(interval);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await dashboard.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"cannot listen on {host}:{port}: {e.GetBaseException().Message}", e);
        }

        return dashboard;
    }

    /// <summary>
    /// Starts the dashboard of a seed on <paramref name="port"/> (0: none) on the command host's address unless
    /// <paramref name="host"/> is given, with the command host's TLS certificate when one is configured; says on
    /// <paramref name="output"/> where to open it. One that cannot start is no reason to stop the seed: it says why on
    /// <paramref name="error"/> and returns null.
    /// </summary>
    public static async Task<DashboardHost?> TryStartAsync(EdgeTrainNode node, int port, string? host, string program, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (port == 0)
        {
            return null;
        }

        var settings = CommandHostSettings.Create(node.System.Settings.Config);
        try
        {
            var certificate = settings.Tls ? CommandHost.LoadCertificate(settings) : null;
            var started = await StartAsync(node, host ?? settings.Host, port, TimeSpan.FromSeconds(1), certificate).ConfigureAwait(false);
            await output.WriteLineAsync($"{program}: dashboard on {started.Url} (read-only{(certificate is null ? "" : ", TLS")})").ConfigureAwait(false);
            return started;
        }
        catch (InvalidOperationException e)
        {
            await error.WriteLineAsync($"{program}: no dashboard: {e.Message}").ConfigureAwait(false);
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await closing.CancelAsync().ConfigureAwait(false);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
        {
            try
            {
                await app.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // streams still open at the deadline are cut
            }
        }

        await app.DisposeAsync().ConfigureAwait(false);
        await feed.DisposeAsync().ConfigureAwait(false);
        closing.Dispose();
    }

    private void Map(TimeSpan interval)
    {
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-store";
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed; // read-only
                return;
            }

            await next(context).ConfigureAwait(false);
        });
        app.MapGet("/", () => Asset("index.html"));
        app.MapGet("/static/{name}", (string name) => Asset(name));
        app.MapGet("/api/snapshot", () => Results.Json(feed.Latest, Json));
        app.MapGet("/api/events", (HttpContext context) => StreamAsync(context, interval));
    }

    private static IResult Asset(string name) =>
        DashboardAssets.Find(name) is { } asset ? Results.Bytes(asset.Content, asset.ContentType) : Results.NotFound($"no {name} here");

    // server-sent events: the snapshot each time its sequence moves, until the page goes or the host stops
    private async Task StreamAsync(HttpContext context, TimeSpan interval)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, closing.Token);
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        long sent = -1;
        var wait = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, interval.Ticks / 4));
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var snapshot = feed.Latest;
                if (snapshot.Sequence != sent)
                {
                    sent = snapshot.Sequence;
                    await context.Response.WriteAsync($"id: {sent}\ndata: {JsonSerializer.Serialize(snapshot, Json)}\n\n", stop.Token).ConfigureAwait(false);
                    await context.Response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
                }

                await Task.Delay(wait, stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // the page went away, or the host is stopping
        }
    }
}
