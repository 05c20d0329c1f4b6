using System.Diagnostics;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// Debian's <c>chromium</c>, headless, with a profile folder of its own: the DOM of a page after it has run for a
/// while (<c>--dump-dom</c> with a virtual time budget), and screenshots. <c>.ci/run</c> installs it; a machine
/// without it fails the test that needs it, saying so.
/// </summary>
internal sealed class HeadlessChromium(string profiles)
{
    private static readonly string Program = Environment.GetEnvironmentVariable("EDGETRAIN_CHROMIUM") ?? "chromium";
    private int runs;

    /// <summary>What the last run wrote on its standard error (chromium logs there, and says where a screenshot went).</summary>
    public string LastError { get; private set; } = "";

    /// <summary>The page's DOM after it has run for <paramref name="run"/> of virtual time.</summary>
    public Task<string> DumpDomAsync(string url, TimeSpan run) => RunAsync(["--dump-dom", $"--virtual-time-budget={(int)run.TotalMilliseconds}", url]);

    /// <summary>A screenshot of the page, <paramref name="width"/> × <paramref name="height"/>, after <paramref name="run"/> of virtual time.</summary>
    public async Task ScreenshotAsync(string url, string png, int width, int height, TimeSpan run) =>
        await RunAsync([$"--screenshot={png}", $"--window-size={width},{height}", "--hide-scrollbars", $"--virtual-time-budget={(int)run.TotalMilliseconds}", url]);

    /// <summary>
    /// Opens <paramref name="url"/> in a headless chromium that keeps the page running in real time until disposed
    /// (killed). It accepts the test cluster's certificates (of the tests' own CA, which chromium does not know).
    /// </summary>
    public static OpenPage Open(string url, string profile)
    {
        var info = new ProcessStartInfo(Program) { RedirectStandardOutput = false, RedirectStandardError = false, UseShellExecute = false };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--ignore-certificate-errors", "--remote-debugging-port=0", $"--user-data-dir={profile}", url })
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            return new OpenPage(Process.Start(info) ?? throw new InvalidOperationException($"{Program} did not start"));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{Program} cannot be run ({e.Message}): install Debian's chromium package (.ci/run does) or set EDGETRAIN_CHROMIUM", e);
        }
    }

    /// <summary>A page open in a headless chromium; disposing kills the browser and its helper processes.</summary>
    internal sealed class OpenPage(Process process) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5_000);
            }
            catch (InvalidOperationException)
            {
                // it ended already
            }

            process.Dispose();
        }
    }

    private async Task<string> RunAsync(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // --no-sandbox: CI runs as root, where chromium's sandbox cannot start; a profile of its own for every run, so
        // that a run never hands its page to an instance of the one before that is still closing
        var profile = Path.Combine(profiles, $"run-{Interlocked.Increment(ref runs)}");
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile}" }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{Program} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{Program} cannot be run ({e.Message}): install Debian's chromium package (.ci/run does) or set EDGETRAIN_CHROMIUM", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{Program} exited with {process.ExitCode}: {await error}");
            }

            // its own log, without the complaints of a machine with no D-Bus
            LastError = string.Join('\n', (await error).Split('\n').Where(l => !l.Contains("dbus", StringComparison.Ordinal)));
            return await output;
        }
    }
}
