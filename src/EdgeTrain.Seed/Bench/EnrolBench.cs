using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core.Security;
using EdgeTrain.Enrolment;
using EdgeTrain.Enrolment.Client;
using EdgeTrain.Enrolment.Server;
using EdgeTrain.Seed.Cli;

namespace EdgeTrain.Seed.Bench;

/// <summary>
/// <c>edgetrain bench enrol [--count N] [--json]</c>: a real enrolment listener (Kestrel, HTTP/2, TLS) on
/// 127.0.0.1 with a new CA in a temporary folder, and N enrolments against it one after another, each timed
/// from a fresh token to the identity folder written and read back: the node's key and signing request, the
/// CA fetch and pin check over a probe connection, the pinned TLS connection, the token check, signing and
/// the fsynced use of the token on the listener, the identity files written. The audit entry is recorded
/// by a stand-in that answers at once: the coordinator's journal write is not in the figure.
/// </summary>
internal static class EnrolBench
{
    private const string Usage = "bench enrol [--count N] [--json]";

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var line = CommandLine.Parse(args, ["--count"], ["--json"]);
        line.AllowPositionals(0, Usage);
        var count = line.Int("--count", 50, 1, 10_000);
        var folder = Path.Combine(Path.GetTempPath(), "edgetrain-bench-enrol-" + Guid.NewGuid().ToString("N"));
        try
        {
            var times = RunAsync(folder, count).GetAwaiter().GetResult();
            Array.Sort(times);
            output.WriteLine(Text($"enrolment, token to certificate on disk, {count} nodes one after another (after 5 not timed), 127.0.0.1, {Environment.ProcessorCount} cores:"));
            output.WriteLine();
            output.WriteLine("| enrolments | mean ms | p50 ms | p90 ms | max ms |");
            output.WriteLine("| ---: | ---: | ---: | ---: | ---: |");
            output.WriteLine(Text($"| {count} | {times.Average():0.0} | {Percentile(times, 0.5):0.0} | {Percentile(times, 0.9):0.0} | {times[^1]:0.0} |"));
            if (line.Flag("--json"))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    benchmark = "enrol",
                    count,
                    cores = Environment.ProcessorCount,
                    meanMs = Math.Round(times.Average(), 2),
                    p50Ms = Math.Round(Percentile(times, 0.5), 2),
                    p90Ms = Math.Round(Percentile(times, 0.9), 2),
                    maxMs = Math.Round(times[^1], 2),
                }));
            }

            return SeedCli.Success;
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // left to the system's temp cleaning
            }
        }
    }

    private static async Task<double[]> RunAsync(string folder, int count)
    {
        using var ca = CertificateAuthority.Init(Path.Combine(folder, "ca"));
        var settings = EnrolmentSettings.Default;
        var desk = new EnrolmentDesk(ca, settings.CertificateValidity, (_, _) => Task.FromResult<string?>(null));
        var (certificate, _) = ServerCertificateFiles.LoadOrIssue(ca, Path.Combine(folder, "seed"), ["127.0.0.1"], settings.ServerValidity, DateTimeOffset.UtcNow);
        await using var host = await EnrolmentHost.StartAsync(desk, certificate, settings, "127.0.0.1", 0).ConfigureAwait(false);
        var endpoint = new Uri($"https://127.0.0.1:{host.Endpoint.Port}");
        var client = new EnrolmentClient(settings);
        var times = new double[count];
        for (var i = -5; i < count; i++)
        {
            var token = ca.CreateToken(endpoint: endpoint).Text;
            var identity = IdentityFolder.InDataDirectory(Path.Combine(folder, "node-" + i.ToString(CultureInfo.InvariantCulture)));
            var started = Stopwatch.GetTimestamp();
            using (await client.EnrolAsync(token, identity, null, []).ConfigureAwait(false))
            {
            }

            if (i >= 0)
            {
                times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }

        return times;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
