using System.Text.RegularExpressions;
using EdgeTrain.Gateway.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeTrain.Gateway.Browser;

/// <summary>
/// The gateway's pages for browser tabs that volunteer: <c>/browser/</c> (the trainer page and its scripts,
/// embedded in this assembly; a Content-Security-Policy that allows only the gateway itself), the page's
/// WebSocket <c>/browser/ws</c> (<see cref="BrowserSession"/>), and, when <c>edgetrain.gateway.browser-sample-data</c>
/// names a folder, its sample data sets under <c>/browser/sample/SET/FILE</c> (for demonstrations and tests; a
/// volunteer's page trains on files of its own).
/// </summary>
internal static partial class BrowserEndpoints
{
    private const string Prefix = "EdgeTrain.Gateway.Browser.";

    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    private static readonly Lazy<Dictionary<string, byte[]>> Assets = new(Load);

    public static void Map(WebApplication app, GatewayContext gateway)
    {
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.Value == "/browser")
            {
                // the page's scripts are relative to /browser/
                context.Response.Redirect("/browser/" + context.Request.QueryString);
                return;
            }

            if (context.Request.Path.StartsWithSegments("/browser", StringComparison.Ordinal))
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = "default-src 'self'; connect-src 'self'; style-src 'self'";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-store";
            }

            await next(context).ConfigureAwait(false);
        });
        app.MapGet("/browser/", () => Asset("index.html"));
        app.MapGet("/browser/{name}", (string name) => Asset(name));
        app.MapGet("/browser/sample/{set}/{file}", (string set, string file) => Sample(gateway.Settings.BrowserSampleData, set, file));
        app.Map("/browser/ws", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            var peer = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
            await new BrowserSession(socket, gateway).RunAsync(peer, context.RequestAborted).ConfigureAwait(false);
        });
    }

    private static IResult Asset(string name) =>
        Assets.Value.TryGetValue(name, out var content) ? Results.Bytes(content, Types.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream")) : Results.NotFound($"no {name} here");

    private static IResult Sample(string folder, string set, string file)
    {
        if (folder.Length == 0)
        {
            return Results.NotFound("this gateway serves no sample data (edgetrain.gateway.browser-sample-data)");
        }

        if (!SafeName().IsMatch(set) || !SafeName().IsMatch(file) || set.StartsWith('.') || file.StartsWith('.'))
        {
            return Results.BadRequest("a sample's set and file are plain names");
        }

        var path = Path.Combine(folder, set, file);
        return File.Exists(path) ? Results.File(path, "application/octet-stream") : Results.NotFound($"no sample {set}/{file}");
    }

    private static Dictionary<string, byte[]> Load()
    {
        var assembly = typeof(BrowserEndpoints).Assembly;
        var assets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[resource[Prefix.Length..]] = copy.ToArray();
        }

        return assets;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex SafeName();
}
