namespace EdgeTrain.Commands.Dashboard;

/// <summary>One file of the dashboard's page, embedded in this assembly.</summary>
public sealed record DashboardAsset(string Name, byte[] Content, string ContentType);

/// <summary>
/// The page's files, embedded from <c>Dashboard/wwwroot</c>: its HTML, script and styles, and uPlot (npm package
/// <c>uplot</c> 1.6.32, MIT, vendored with its licence as <c>uPlot.LICENSE.txt</c>). Only these names are served.
/// </summary>
public static class DashboardAssets
{
    private const string Prefix = "EdgeTrain.Commands.Dashboard.";

    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".txt"] = "text/plain; charset=utf-8",
    };

    private static readonly Lazy<IReadOnlyDictionary<string, DashboardAsset>> All = new(Load);

    /// <summary>The names served.</summary>
    public static IEnumerable<string> Names => All.Value.Keys;

    /// <summary>The file named <paramref name="name"/> (null: none such).</summary>
    public static DashboardAsset? Find(string name) => All.Value.GetValueOrDefault(name);

    private static Dictionary<string, DashboardAsset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var name = resource[Prefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name] = new DashboardAsset(name, copy.ToArray(), Types.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"));
        }

        return assets;
    }
}
