using System.Globalization;
using System.Text.RegularExpressions;
using EdgeTrain.Tests;

namespace EdgeTrain.IntegrationTests;

/// <summary>Dropout and recovery with real processes: SIGKILL mid-job, a node that is downed and rejoins, a seed that dies.</summary>
public sealed class RecoverySpec : IDisposable
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_node_killed_mid_job_loses_no_acknowledged_update_and_the_job_reaches_its_target()
    {
        var runDir = temp.File("run");

        using var demo = await ProgramProcess.RunAsync("edgetrain",
            ["demo", "--nodes", "4", "--job", RepoPaths.Of("hocon", "jobs", "mnist-mlp.conf"), "--json", "--out", runDir, "--chaos", "kill-busiest-at=3s"],
            TimeSpan.FromMinutes(6));

        Assert.True(demo.ExitCode == 0, $"exit {demo.ExitCode}\n{demo.Output}\n{demo.Error}");
        var json = TestCluster.LastJson(demo.Output);
        Assert.True(json.GetProperty("accuracy").GetDouble() >= 0.95);
        var chaos = json.GetProperty("chaos");
        Assert.True(chaos.GetProperty("kills").GetInt32() >= 1, demo.Output);
        Assert.Equal(0, chaos.GetProperty("lostAcknowledgedUpdates").GetInt64());
        Assert.True(chaos.GetProperty("acknowledgedUpdates").GetInt64() > 0);
        Assert.True(chaos.GetProperty("maxRecoverySeconds").GetDouble() > 0, demo.Output);
        Assert.Contains("removed (Down)", demo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_that_is_cut_off_and_downed_rejoins_by_itself_and_takes_work_again()
    {
        var port = TestCluster.FreePort();
        var seedAddress = $"127.0.0.1:{port}";
        using var seed = ProgramProcess.Start("edgetrain", ["seed", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", temp.Path]);
        await seed.WaitForOutputAsync("edgetrain seed", Start);
        using var steady = ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.Path]);
        using var volunteer = ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.Path]);
        await steady.WaitForOutputAsync("registered with the coordinator", Start);
        await volunteer.WaitForOutputAsync("registered with the coordinator", Start);
        var first = Regex.Match(volunteer.Output, @"edgetrain-node (\S+): region").Groups[1].Value;

        // freeze the volunteer (a laptop lid closed, a cable pulled): the others down it
        TestCluster.Signal(volunteer.Id, "STOP");
        await seed.WaitForOutputAsync($"[member] removed     {first}", TimeSpan.FromSeconds(60));
        TestCluster.Signal(volunteer.Id, "CONT");

        await volunteer.WaitForOutputAsync("the cluster let this node go; joining again", TimeSpan.FromSeconds(60));
        await WaitForCountAsync(volunteer, "registered with the coordinator", 2, TimeSpan.FromSeconds(60));
        var second = Regex.Matches(volunteer.Output, @"edgetrain-node (\S+): region")[^1].Groups[1].Value;
        Assert.NotEqual(first, second);

        using var submit = await ProgramProcess.RunAsync("edgetrain", ["submit", TestCluster.SmallJob(temp.Path, "after-rejoin", 0.9), "--seed", seedAddress, "--wait", "--json"], TimeSpan.FromMinutes(3));
        using var status = await ProgramProcess.RunAsync("edgetrain", ["status", "--seed", seedAddress, "--json"], TimeSpan.FromMinutes(1));

        Assert.True(submit.ExitCode == 0, $"exit {submit.ExitCode}\n{submit.Error}\n{submit.Output}");
        var job = Assert.Single(TestCluster.LastJson(status.Output).EnumerateArray());
        var trainers = job.GetProperty("trainers").EnumerateArray().Select(t => t.GetProperty("node").GetString()).ToList();
        Assert.Contains(second, trainers);
        Assert.Equal(2, trainers.Count);
    }

    [Fact]
    public async Task When_the_seed_running_the_coordinator_dies_the_other_seed_takes_the_job_up_from_its_journal()
    {
        var port1 = TestCluster.FreePort();
        var port2 = TestCluster.FreePort();
        var seed1Address = $"127.0.0.1:{port1}";
        var seed2Address = $"127.0.0.1:{port2}";
        using var seed1 = ProgramProcess.Start("edgetrain", ["seed", "--port", port1.ToString(CultureInfo.InvariantCulture), "--data-dir", temp.Path]);
        await seed1.WaitForOutputAsync("edgetrain seed", Start);
        using var seed2 = ProgramProcess.Start("edgetrain",
            ["seed", "--port", port2.ToString(CultureInfo.InvariantCulture), "--data-dir", temp.Path, "--seed", seed1Address, "--seed", seed2Address]);
        await seed2.WaitForOutputAsync("edgetrain seed", Start);
        using var nodeA = ProgramProcess.Start("edgetrain-node", ["--seed", seed1Address, "--seed", seed2Address, "--data-dir", temp.Path]);
        using var nodeB = ProgramProcess.Start("edgetrain-node", ["--seed", seed1Address, "--seed", seed2Address, "--data-dir", temp.Path]);
        await nodeA.WaitForOutputAsync("registered with the coordinator", Start);
        await nodeB.WaitForOutputAsync("registered with the coordinator", Start);

        using var submit = await ProgramProcess.RunAsync("edgetrain", ["submit", TestCluster.SmallJob(temp.Path, "failover", 0.96, hidden: 128), "--seed", seed1Address], TimeSpan.FromMinutes(1));
        Assert.True(submit.ExitCode == 0, submit.Output + submit.Error);
        await seed1.WaitForOutputAsync("[job] failover-1 Running", TimeSpan.FromSeconds(60));
        seed1.Dispose(); // SIGKILL

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        string state;
        ProgramProcess status;
        do
        {
            await Task.Delay(2_000);
            status = await ProgramProcess.RunAsync("edgetrain", ["status", "--seed", seed2Address, "--job", "failover-1", "--json"], TimeSpan.FromMinutes(1));
            state = status.ExitCode == 0 ? TestCluster.LastJson(status.Output)[0].GetProperty("state").GetString()! : "unreachable";
            status.Dispose();
        }
        while (state != "Completed" && DateTime.UtcNow < deadline);

        Assert.Equal("Completed", state);
        Assert.Contains("taking up unfinished job failover-1", seed2.Output, StringComparison.Ordinal);
    }

    private static async Task WaitForCountAsync(ProgramProcess process, string text, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Regex.Matches(process.Output, Regex.Escape(text)).Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{text}' appeared fewer than {count} times:\n{process.Output}\n{process.Error}");
            }

            await Task.Delay(250);
        }
    }
}
