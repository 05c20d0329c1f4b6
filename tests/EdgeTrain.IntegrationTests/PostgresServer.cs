using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// A real PostgreSQL server for tests, and one fresh database in it per test.
/// <list type="bullet">
/// <item>When <c>EDGETRAIN_POSTGRES</c> is set (.ci/run sets it), that server: an Npgsql
/// connection string for a role that may <c>CREATE DATABASE</c>.</item>
/// <item>Otherwise a throwaway server of its own: <c>initdb</c> from <c>/usr/lib/postgresql/*/bin</c>
/// (Debian's <c>postgresql</c> package) into a temp folder, as the <c>postgres</c> OS user when
/// running as root, listening on 127.0.0.1 only on a free port; stopped and deleted on dispose.</item>
/// </list>
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    public const string Variable = "EDGETRAIN_POSTGRES";
    private const string Role = "edgetrain";

    private readonly List<string> databases = [];
    private readonly string? folder;
    private readonly string? binaries;

    private PostgresServer(string adminConnection, string? folder, string? binaries)
    {
        AdminConnection = adminConnection;
        this.folder = folder;
        this.binaries = binaries;
    }

    /// <summary>A connection string to the server's <c>postgres</c> database, for a role that may create databases.</summary>
    public string AdminConnection { get; }

    /// <summary>Why no server can be had here, or null when one can.</summary>
    public static string? Unavailable =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } || Binaries() is not null
            ? null
            : $"no PostgreSQL server: {Variable} is unset and no initdb under /usr/lib/postgresql/*/bin " +
              "(apt-get install postgresql, or run .ci/run, which starts one and sets the variable)";

    /// <summary>The server named by <c>EDGETRAIN_POSTGRES</c>, or a throwaway one started here.</summary>
    /// <exception cref="InvalidOperationException">no server can be had, or it does not answer.</exception>
    public static async Task<PostgresServer> StartAsync()
    {
        PostgresServer server;
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            server = new PostgresServer(new NpgsqlConnectionStringBuilder(given) { Database = "postgres", Pooling = false }.ConnectionString, null, null);
        }
        else
        {
            var bin = Binaries() ?? throw new InvalidOperationException(Unavailable);
            server = StartThrowaway(bin);
        }

        try
        {
            await using var connection = new NpgsqlConnection(server.AdminConnection);
            await connection.OpenAsync();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"the PostgreSQL server does not answer ({e.Message})", e);
        }

        return server;
    }

    /// <summary>Creates a new, empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "edgetrain_test_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        await ExecuteAsync(AdminConnection, $"CREATE DATABASE {name}");
        databases.Add(name);
        return new NpgsqlConnectionStringBuilder(AdminConnection) { Database = name }.ConnectionString;
    }

    /// <summary>The value of a one-value query.</summary>
    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in databases)
        {
            try
            {
                await ExecuteAsync(AdminConnection, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            }
            catch (NpgsqlException)
            {
                // the server is going away with it, or the next run's name differs
            }
        }

        if (folder is not null && binaries is not null)
        {
            Run(binaries, "pg_ctl", ["-D", Path.Combine(folder, "data"), "-m", "fast", "-w", "stop"], check: false);
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // the temp folder is cleaned by the system
            }
        }
    }

    private static PostgresServer StartThrowaway(string bin)
    {
        var folder = Directory.CreateTempSubdirectory("edgetrain-pg-").FullName;
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var passwordFile = Path.Combine(folder, "password");
        File.WriteAllText(passwordFile, password + "\n");
        if (Environment.IsPrivilegedProcess)
        {
            // initdb refuses root: the server's files belong to the postgres user of Debian's package
            Run("/usr/bin", "chown", ["-R", "postgres:", folder], check: true, asPostgres: false);
        }

        var data = Path.Combine(folder, "data");
        Run(bin, "initdb", ["-D", data, "-U", Role, "--pwfile", passwordFile, "--auth-local", "trust", "--auth-host", "scram-sha-256", "-E", "UTF8", "--no-locale"], check: true);
        File.Delete(passwordFile);
        for (var attempt = 1; ; attempt++)
        {
            var port = TestCluster.FreePort();
            var started = Run(bin, "pg_ctl",
                ["-D", data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60",
                 "-o", $"-h 127.0.0.1 -p {port.ToString(CultureInfo.InvariantCulture)} -k {folder}", "start"],
                check: attempt == 3);
            if (started)
            {
                var admin = new NpgsqlConnectionStringBuilder
                {
                    Host = "127.0.0.1",
                    Port = port,
                    Username = Role,
                    Password = password,
                    Database = "postgres",
                    Pooling = false,
                };
                return new PostgresServer(admin.ConnectionString, folder, bin);
            }
        }
    }

    // the newest /usr/lib/postgresql/N/bin with initdb and pg_ctl
    private static string? Binaries()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(d => (Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1, Bin: Path.Combine(d, "bin")))
            .Where(d => d.Version >= 0 && File.Exists(Path.Combine(d.Bin, "initdb")) && File.Exists(Path.Combine(d.Bin, "pg_ctl")))
            .OrderByDescending(d => d.Version)
            .Select(d => d.Bin)
            .FirstOrDefault();
    }

    private static bool Run(string directory, string program, IEnumerable<string> args, bool check, bool asPostgres = true)
    {
        var viaRunuser = asPostgres && Environment.IsPrivilegedProcess;
        var info = new ProcessStartInfo(viaRunuser ? "runuser" : Path.Combine(directory, program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (viaRunuser)
        {
            foreach (var arg in new[] { "-u", "postgres", "--", Path.Combine(directory, program) })
            {
                info.ArgumentList.Add(arg);
            }
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0 && check)
        {
            throw new InvalidOperationException($"{program} exited with code {process.ExitCode}:\n{output.Result}\n{error.Result}");
        }

        return process.ExitCode == 0;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// A test that needs a PostgreSQL server (<see cref="PostgresServer"/>). Skipped where none can be
/// had, except under CI (<c>CI=true</c>), where it runs and fails: CI must not pass it silently.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresServer.Unavailable is { } reason && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = reason;
        }
    }
}
