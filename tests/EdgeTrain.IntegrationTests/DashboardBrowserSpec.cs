using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeTrain.Tests;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// The seed's dashboard in a real browser during a demo job (real processes over mutual TLS): headless chromium loads the
/// page while the job trains; its script follows the server-sent events, so the samples it shows change while the page
/// is open; every member's address is on the page; and a screenshot of it is taken. The job trains to its time limit.
/// </summary>
public sealed partial class DashboardBrowserSpec : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task The_dashboard_shows_every_member_and_live_values_in_a_real_browser_during_a_demo_job()
    {
        var port = TestCluster.FreePort();
        var url = $"http://127.0.0.1:{port}/";
        var run = temp.File("run");
        // the CNN job with a target it does not reach, so that it trains for its whole time limit while the browser looks
        var job = temp.File("mnist-cnn-watched.conf");
        File.WriteAllText(job, File.ReadAllText(RepoPaths.Of("hocon", "jobs", "mnist-cnn.conf"))
            + $"\njob.data.path = \"{RepoPaths.Mnist}\"\njob.target-accuracy = 0.999\njob.time-limit = 60s\n");
        using var demo = ProgramProcess.Start("edgetrain",
            ["demo", "--nodes", "2", "--job", job, "--json", "--out", run, "--dashboard-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cmd-port", "0"]);
        await demo.WaitForOutputAsync($"dashboard: {url}", TimeSpan.FromMinutes(2));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var snapshot = await RunningAsync(http, url, demo);

        var chromium = new HeadlessChromium(temp.File("chromium-profiles"));
        // ?updates=N: the page follows N snapshots of the stream, then closes it, and the browser's virtual time can run out
        var dom = await chromium.DumpDomAsync(url + "?updates=4", TimeSpan.FromSeconds(30));
        var png = Path.Combine(run, "dashboard.png");
        await chromium.ScreenshotAsync(url + "?updates=2", png, 1400, 1500, TimeSpan.FromSeconds(30));

        // the page followed the stream: several snapshots arrived, and the samples it showed moved while it was open
        var body = BodyTag().Match(dom);
        Assert.True(body.Success, dom);
        Assert.True(int.Parse(body.Groups["updates"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 4, body.Value);
        Assert.True(long.Parse(body.Groups["last"].Value, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(body.Groups["first"].Value, System.Globalization.CultureInfo.InvariantCulture), body.Value);
        // every member of the cluster (the seed and both nodes) is listed by its address
        var members = snapshot.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("address").GetString()!).ToList();
        Assert.Equal(3, members.Count);
        Assert.All(members, address => Assert.Contains($"class=\"address\">{address}<", dom, StringComparison.Ordinal));
        Assert.Contains("mnist-cnn-1", dom, StringComparison.Ordinal);
        Assert.True(File.Exists(png) && new FileInfo(png).Length > 10_000, $"screenshot {png}: {(File.Exists(png) ? new FileInfo(png).Length : 0)} bytes; chromium said:\n{chromium.LastError}");

        // the job trained on to its time limit with the page open, and the demo ended by itself
        await demo.WaitAsync(TimeSpan.FromMinutes(5));
        Assert.Equal("TimedOut", TestCluster.LastJson(demo.Output).GetProperty("state").GetString());
    }

    // the snapshot once the job trains (samples counted) with every member up, from the page's own JSON endpoint
    private static async Task<JsonElement> RunningAsync(HttpClient http, string url, ProgramProcess demo)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline && !demo.HasExited)
        {
            JsonElement snapshot;
            try
            {
                snapshot = await http.GetFromJsonAsync<JsonElement>(url + "api/snapshot");
            }
            catch (HttpRequestException)
            {
                // the demo names the address as it starts the seed; the seed listens a moment later
                await Task.Delay(500);
                continue;
            }

            if (snapshot.GetProperty("jobs").EnumerateArray().Any(j => j.GetProperty("state").GetString() == "running" && j.GetProperty("samples").GetInt64() > 0)
                && snapshot.GetProperty("members").GetArrayLength() == 3)
            {
                return snapshot;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"the job did not start training\n{demo.Output}\n{demo.Error}");
    }

    [GeneratedRegex("<body[^>]*data-updates=\"(?<updates>\\d+)\"[^>]*data-first-samples=\"(?<first>\\d+)\"[^>]*data-samples=\"(?<last>\\d+)\"")]
    private static partial Regex BodyTag();
}
