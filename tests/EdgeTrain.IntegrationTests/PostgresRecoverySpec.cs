using EdgeTrain.Tests;
using Xunit.Abstractions;

namespace EdgeTrain.IntegrationTests;

/// <summary>RecoverySpec's SIGKILL test with the journal and snapshots on a real PostgreSQL server (hocon/postgres.conf).</summary>
public sealed class PostgresRecoverySpec(ITestOutputHelper log) : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [PostgresFact]
    public async Task On_PostgreSQL_a_node_killed_mid_job_loses_no_acknowledged_update_and_the_job_reaches_its_target()
    {
        await using var server = await PostgresServer.StartAsync();
        var database = await server.CreateDatabaseAsync();

        // hocon/postgres.conf carries no connection string (Akka's HOCON reads no environment
        // variables): it comes in a file of its own, passed first so that it wins
        var secret = temp.File("postgres-connection.conf");
        var quoted = "\"" + database.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        File.WriteAllText(secret, $"""
            akka.persistence.journal.sql.connection-string = {quoted}
            akka.persistence.snapshot-store.sql.connection-string = {quoted}
            """);
        var runDir = temp.File("run");

        using var demo = await ProgramProcess.RunAsync("edgetrain",
            ["demo", "--nodes", "4", "--job", RepoPaths.Of("hocon", "jobs", "mnist-mlp.conf"), "--json", "--out", runDir, "--chaos", "kill-busiest-at=3s",
             "--config", secret, "--config", RepoPaths.Of("hocon", "postgres.conf")],
            TimeSpan.FromMinutes(6));

        Assert.True(demo.ExitCode == 0, $"exit {demo.ExitCode}\n{demo.Output}\n{demo.Error}");
        var json = TestCluster.LastJson(demo.Output);
        Assert.True(json.GetProperty("accuracy").GetDouble() >= 0.95, demo.Output);
        var chaos = json.GetProperty("chaos");
        Assert.True(chaos.GetProperty("kills").GetInt32() >= 1, demo.Output);
        Assert.Equal(0, chaos.GetProperty("lostAcknowledgedUpdates").GetInt64());
        Assert.True(chaos.GetProperty("acknowledgedUpdates").GetInt64() > 0);
        Assert.True(chaos.GetProperty("maxRecoverySeconds").GetDouble() > 0, demo.Output);
        Assert.Contains("removed (Down)", demo.Output, StringComparison.Ordinal);

        // the journal really is on the server, and nothing went to a SQLite file in the run folder
        var events = await PostgresServer.ScalarAsync(database, "SELECT count(*) FROM journal");
        var persistenceIds = await PostgresServer.ScalarAsync(database, "SELECT count(DISTINCT persistence_id) FROM journal");
        var snapshots = await PostgresServer.ScalarAsync(database, "SELECT count(*) FROM snapshot");
        Assert.True(events > 0 && persistenceIds > 1, $"journal rows {events}, persistence ids {persistenceIds}");
        Assert.False(File.Exists(Path.Combine(runDir, "edgetrain.db")), "a SQLite journal was written beside the run");
        log.WriteLine($"PostgreSQL journal: {events} events of {persistenceIds} persistent actors, {snapshots} snapshots; " +
            $"max recovery {chaos.GetProperty("maxRecoverySeconds").GetDouble()} s, lost {chaos.GetProperty("lostAcknowledgedUpdates").GetInt64()} of {chaos.GetProperty("acknowledgedUpdates").GetInt64()}");
    }
}
