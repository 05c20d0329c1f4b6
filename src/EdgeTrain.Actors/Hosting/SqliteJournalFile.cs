using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace EdgeTrain.Actors.Hosting;

/// <summary>
/// Prepares the SQLite file that a local cluster's processes share as their journal: switches it
/// to write-ahead logging (a setting kept in the file), so that one process's write does not
/// block the others' reads and commits stay short with several writers.
/// </summary>
public static class SqliteJournalFile
{
    /// <summary>When <paramref name="config"/> puts the journal in SQLite, turns on WAL for its file.</summary>
    public static void Prepare(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.GetString("akka.persistence.journal.sql.provider-name") is not { } provider
            || !provider.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        using var connection = new SqliteConnection(config.GetString("akka.persistence.journal.sql.connection-string"));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }
}
