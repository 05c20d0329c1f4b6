using System.Globalization;
using System.Text.RegularExpressions;
using EdgeTrain.Tests;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// Devices that only dial out, with real processes over mutual TLS: a device with a trainer's certificate
/// (and no inbound port) trains through a gateway; when its gateway is killed mid-job it moves to the next
/// gateway of its list and its trainer goes on where it was (the same trainer, its partition kept).
/// </summary>
public sealed class GatewaySpec : IDisposable
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_device_trains_through_a_gateway_and_moves_to_another_when_its_gateway_dies_mid_job()
    {
        var port = TestCluster.FreePort();
        var seedAddress = $"127.0.0.1:{port}";
        var gatewayPorts = new[] { TestCluster.FreePort(), TestCluster.FreePort() };
        using var seed = ProgramProcess.Start("edgetrain",
            ["seed", "--port", Text(port), "--data-dir", temp.Path, "--roles", "params,aggregator", "--cmd-port", "0", "--dashboard-port", "0"]);
        await seed.WaitForOutputAsync("edgetrain seed", Start);
        using var gatewayA = Gateway(seedAddress, gatewayPorts[0]);
        using var gatewayB = Gateway(seedAddress, gatewayPorts[1]);
        await gatewayA.WaitForOutputAsync("gateway for devices on", Start);
        await gatewayB.WaitForOutputAsync("gateway for devices on", Start);

        var identity = temp.File("device-identity");
        var deviceId = TestClusterPki.ProvisionDevice(identity);
        using var device = ProgramProcess.Start("edgetrain-node",
            ["--via-gateway", $"127.0.0.1:{gatewayPorts[0]}", "--via-gateway", $"127.0.0.1:{gatewayPorts[1]}", "--identity", identity, "--data-dir", temp.File("device"), "--torch-threads", "1"]);
        await device.WaitForOutputAsync($"training through gateway 127.0.0.1:{gatewayPorts[0]}", Start);
        await gatewayA.WaitForOutputAsync($"registered with the coordinator as device://{deviceId}", Start);

        using var submit = await ProgramProcess.RunAsync("edgetrain", ["submit", SlowJob("through-gateway"), "--seed", seedAddress], TimeSpan.FromMinutes(1));
        Assert.True(submit.ExitCode == 0, submit.Output + submit.Error);
        await device.WaitForOutputAsync("starting trainer for through-gateway-1", Start);
        await Task.Delay(TimeSpan.FromSeconds(3));
        using (var before = await ProgramProcess.RunAsync("edgetrain", ["status", "--seed", seedAddress, "--job", "through-gateway-1", "--json"], TimeSpan.FromMinutes(1)))
        {
            var job = TestCluster.LastJson(before.Output)[0];
            Assert.False(job.GetProperty("finished").GetBoolean(), "the job ended before its gateway was killed: " + before.Output);
            Assert.True(job.GetProperty("samples").GetInt64() > 0, before.Output);
        }

        gatewayA.Dispose(); // SIGKILL: the device's stream breaks

        await device.WaitForOutputAsync($"training through gateway 127.0.0.1:{gatewayPorts[1]}", TimeSpan.FromSeconds(60));
        var status = await WaitForEndAsync(seedAddress, "through-gateway-1", TimeSpan.FromMinutes(4));

        Assert.Equal("Completed", status.GetProperty("state").GetString());
        var trainers = status.GetProperty("trainers").EnumerateArray().Select(t => t.GetProperty("node").GetString()).ToList();
        Assert.Equal([$"device://{deviceId}"], trainers);
        // the device's trainer lived through the move: started once, its partition and error feedback kept
        Assert.Single(Regex.Matches(device.Output, "starting trainer for through-gateway-1"));
        Assert.Contains($"registered with the coordinator as device://{deviceId}", gatewayB.Output, StringComparison.Ordinal);
        Assert.True(status.GetProperty("samples").GetInt64() > 0);
    }

    [Fact]
    public async Task A_certificate_without_the_trainer_role_is_refused_with_the_reason()
    {
        var port = TestCluster.FreePort();
        var gatewayPort = TestCluster.FreePort();
        using var seed = ProgramProcess.Start("edgetrain",
            ["seed", "--port", Text(port), "--data-dir", temp.Path, "--cmd-port", "0", "--dashboard-port", "0", "--gateway-port", Text(gatewayPort)]);
        await seed.WaitForOutputAsync("gateway for devices on", Start);

        // a full member's certificate (every role but the trainer's is beside the point: it is not a device's)
        var identity = temp.File("params-identity");
        TestClusterPki.ProvisionDevice(identity, ["params"]);
        using var device = await ProgramProcess.RunAsync("edgetrain-node",
            ["--via-gateway", $"127.0.0.1:{gatewayPort}", "--identity", identity, "--data-dir", temp.File("device")], TimeSpan.FromMinutes(1));

        Assert.Equal(2, device.ExitCode);
        Assert.Contains("not trainer: a device only trains", device.Error, StringComparison.Ordinal);
    }

    private ProgramProcess Gateway(string seedAddress, int port) =>
        ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.Path, "--roles", "aggregator", "--gateway-port", Text(port), "--gateway-host", "127.0.0.1", "--cmd-port", "0"]);

    // a job that trains for some seconds on one trainer with one libtorch thread
    private string SlowJob(string name)
    {
        var path = temp.File(name + ".conf");
        File.WriteAllText(path, $$"""
            job {
              name = {{name}}
              model { type = mlp, hidden = [256] }
              data.path = "{{RepoPaths.Mnist.Replace("\\", "/", StringComparison.Ordinal)}}"
              optimizer { type = adam, learning-rate = 0.0003 }
              batch-size = 32
              target-accuracy = 0.93
              time-limit = 4m
              slice-floats = 16384
            }
            """);
        return path;
    }

    private static async Task<System.Text.Json.JsonElement> WaitForEndAsync(string seedAddress, string jobId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var status = await ProgramProcess.RunAsync("edgetrain", ["status", "--seed", seedAddress, "--job", jobId, "--json"], TimeSpan.FromMinutes(1));
            if (status.ExitCode == 0)
            {
                var job = TestCluster.LastJson(status.Output)[0];
                if (job.GetProperty("finished").GetBoolean() || DateTime.UtcNow > deadline)
                {
                    return job;
                }
            }

            await Task.Delay(2_000);
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
