using System.Globalization;
using EdgeTrain.Tests;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// A home behind NAT, in network namespaces the test makes (<see cref="NatNetwork"/>: a router that masquerades
/// the home and drops every connection from outside, as a home router without port forwards does), with the
/// cluster on the host over mutual TLS. A full member at home cannot stay: nobody can reach its address, so
/// the membership guard never sees its certificate there and downs it. A device at home trains through the
/// seed's gateway, dialling out only, and the job reaches its target.
/// </summary>
public sealed class NatGatewaySpec : IDisposable
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Behind_NAT_a_full_member_is_let_go_while_a_device_trains_through_the_gateway()
    {
        using var nat = new NatNetwork();
        var port = TestCluster.FreePort();
        var gatewayPort = TestCluster.FreePort();
        var seedAddress = $"{nat.HostAddress}:{Text(port)}";
        using var seed = ProgramProcess.Start("edgetrain",
            ["seed", "--host", nat.HostAddress, "--port", Text(port), "--data-dir", temp.Path, "--roles", "params,aggregator",
             "--cmd-port", "0", "--dashboard-port", "0", "--gateway-port", Text(gatewayPort), "--gateway-host", nat.HostAddress]);
        await seed.WaitForOutputAsync("gateway for devices on", Start);

        // a full member at home, with a good certificate: its own address cannot be reached
        var memberIdentity = temp.File("member-identity");
        TestClusterPki.ProvisionDevice(memberIdentity);
        using (var member = nat.StartInHome("edgetrain-node",
            ["--seed", seedAddress, "--host", nat.HomeAddress, "--roles", "trainer", "--identity", memberIdentity, "--data-dir", temp.File("member"), "--cmd-port", "0"]))
        {
            await seed.WaitForOutputAsync($"no certificate could be seen at its address {nat.HomeAddress}:", Start);
        }

        // a device at the same home dials out to the gateway and trains
        var identity = temp.File("device-identity");
        var deviceId = TestClusterPki.ProvisionDevice(identity);
        using var device = nat.StartInHome("edgetrain-node",
            ["--via-gateway", $"{nat.HostAddress}:{Text(gatewayPort)}", "--identity", identity, "--data-dir", temp.File("device"), "--torch-threads", "1"]);
        await device.WaitForOutputAsync("training through gateway", Start);
        await seed.WaitForOutputAsync($"device://{deviceId} attached from ipv4:{nat.HomePublicAddress}:", Start);

        using var submit = await ProgramProcess.RunAsync("edgetrain",
            ["submit", TestCluster.SmallJob(temp.Path, "behind-nat", 0.9), "--seed", seedAddress, "--wait", "--json"], TimeSpan.FromMinutes(4));

        Assert.True(submit.ExitCode == 0, $"exit {submit.ExitCode}\n{submit.Output}\n{submit.Error}\n{device.Output}");
        var job = TestCluster.LastJson(submit.Output);
        Assert.Equal("Completed", job.GetProperty("state").GetString());
        Assert.True(job.GetProperty("accuracy").GetDouble() >= 0.9);
        var trainers = job.GetProperty("trainers").EnumerateArray().Select(t => t.GetProperty("node").GetString()).ToList();
        Assert.Equal([$"device://{deviceId}"], trainers);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
