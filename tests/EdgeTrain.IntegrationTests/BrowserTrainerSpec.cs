using System.Globalization;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// A trainer in a browser tab, in Debian's chromium (headless), during a job on a cluster of real processes over
/// TLS: the seed is also the gateway and serves the page; the tab joins with a trainer's join token, loads its own
/// partition of the sample data, and trains beside a node's trainer. Its contributions are applied and the job
/// reaches its target.
/// </summary>
public sealed class BrowserTrainerSpec : IDisposable
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_browser_tab_trains_beside_a_node_and_the_job_reaches_its_target()
    {
        var port = TestCluster.FreePort();
        var gatewayPort = TestCluster.FreePort();
        var seedAddress = $"127.0.0.1:{Text(port)}";
        var config = temp.File("gateway.conf");
        File.WriteAllText(config, $"edgetrain.gateway.browser-sample-data = \"{Path.Combine(RepoPaths.Root, "samples", "data").Replace("\\", "/", StringComparison.Ordinal)}\"\n");
        using var seed = ProgramProcess.Start("edgetrain",
            ["seed", "--port", Text(port), "--data-dir", temp.Path, "--roles", "params,aggregator", "--cmd-port", "0", "--dashboard-port", "0",
             "--gateway-port", Text(gatewayPort), "--gateway-host", "127.0.0.1", "--config", config]);
        await seed.WaitForOutputAsync("gateway for devices on", Start);
        using var node = ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.Path, "--roles", "trainer", "--torch-threads", "1", "--cmd-port", "0"]);
        await node.WaitForOutputAsync("registered with the coordinator", Start);

        string token;
        using (var ca = CertificateAuthority.Load(TestClusterPki.Ca))
        {
            token = ca.CreateToken([ClusterRoles.Trainer], TimeSpan.FromHours(1)).Text;
        }

        var url = $"https://127.0.0.1:{Text(gatewayPort)}/browser/?id=browser-tab-1&data=/browser/sample/mnist-10k&token={Uri.EscapeDataString(token)}";
        using var tab = HeadlessChromium.Open(url, temp.File("chromium"));
        await seed.WaitForOutputAsync("device://browser-tab-1 attached from", Start);

        using var submit = await ProgramProcess.RunAsync("edgetrain",
            ["submit", Job("with-a-tab"), "--seed", seedAddress, "--wait", "--json"], TimeSpan.FromMinutes(4));

        Assert.True(submit.ExitCode == 0, $"exit {submit.ExitCode}\n{submit.Output}\n{submit.Error}\n{seed.Output}");
        var job = TestCluster.LastJson(submit.Output);
        Assert.Equal("Completed", job.GetProperty("state").GetString());
        var tabReport = job.GetProperty("trainers").EnumerateArray().Single(t => t.GetProperty("node").GetString() == "device://browser-tab-1");
        Assert.True(tabReport.GetProperty("contributions").GetInt64() > 0, submit.Output);
        Assert.True(tabReport.GetProperty("samples").GetInt64() > 0, submit.Output);
        Assert.DoesNotContain("rejected", seed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("refused a message of device://browser-tab-1", seed.Output, StringComparison.Ordinal);
    }

    // an MLP job that waits for two trainers (the node's and the tab), so that the tab gets a partition
    private string Job(string name)
    {
        var path = temp.File(name + ".conf");
        File.WriteAllText(path, $$"""
            job {
              name = {{name}}
              model { type = mlp, hidden = [64] }
              data.path = "{{RepoPaths.Mnist.Replace("\\", "/", StringComparison.Ordinal)}}"
              optimizer { type = adam, learning-rate = 0.002 }
              batch-size = 64
              target-accuracy = 0.9
              time-limit = 3m
              slice-floats = 16384
              min-trainers = 2
            }
            """);
        return path;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
