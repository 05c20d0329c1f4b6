using EdgeTrain.Tests;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// Secure aggregation with real processes: a region of five trainers, one of which sends its keys and
/// shares, goes silent and is SIGKILLed mid-round; the round's sum is recovered from the survivors and the
/// job reaches its target.
/// </summary>
public sealed class SecureAggregationSpec : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_trainer_killed_mid_round_is_recovered_from_the_survivors_shares_and_the_job_reaches_its_target()
    {
        using var demo = await ProgramProcess.RunAsync("edgetrain",
            ["demo", "--nodes", "5", "--regions", "1", "--job", RepoPaths.Of("hocon", "jobs", "mnist-mlp-secagg.conf"), "--json", "--out", temp.File("run"),
             "--adversaries", "1:drop-mid-round", "--chaos", "kill-mid-round"],
            TimeSpan.FromMinutes(6));

        Assert.True(demo.ExitCode == 0, $"exit {demo.ExitCode}\n{demo.Output}\n{demo.Error}");
        var json = TestCluster.LastJson(demo.Output);
        Assert.True(json.GetProperty("accuracy").GetDouble() >= 0.95, demo.Output);
        Assert.Equal(1, json.GetProperty("chaos").GetProperty("kills").GetInt32());
        Assert.Contains("mid-way through a secure round", demo.Output, StringComparison.Ordinal);
        var secure = json.GetProperty("secureAggregation");
        Assert.True(secure.GetProperty("recoveredDropouts").GetInt64() >= 1, demo.Output);
        Assert.True(secure.GetProperty("rounds").GetInt64() >= 2);
        var expansion = secure.GetProperty("expansion").GetDouble();
        Assert.InRange(expansion, 1.0, 2.0);
    }
}
