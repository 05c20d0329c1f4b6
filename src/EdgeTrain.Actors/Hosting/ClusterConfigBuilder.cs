using System.Globalization;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.DistributedData;
using EdgeTrain.Actors.Security;
using EdgeTrain.Core;

namespace EdgeTrain.Actors.Hosting;

/// <summary>
/// Builds an ActorSystem's configuration from, in order of priority: the command-line options,
/// extra HOCON files, <c>hocon/edgetrain.conf</c> and <c>hocon/sqlite.conf</c> beside the program,
/// EdgeTrain's <c>reference.conf</c>, and the Akka plugins' own defaults.
/// </summary>
public static class ClusterConfigBuilder
{
    /// <summary>Name of every EdgeTrain cluster's ActorSystem.</summary>
    public const string SystemName = "edgetrain";

    /// <summary>The folder with the user-facing HOCON files: <c>hocon/</c> beside the program.</summary>
    public static string HoconDirectory => Path.Combine(AppContext.BaseDirectory, "hocon");

    /// <summary>The configuration of a cluster node.</summary>
    public static Config ForNode(NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dataDir = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(dataDir);
        var roles = string.Join(", ", options.Roles.Select(Quote));
        var files = Config.Empty;
        foreach (var file in options.ConfigFiles)
        {
            files = files.WithFallback(Load(file));
        }

        files = files
            .WithFallback(Load(Path.Combine(HoconDirectory, "edgetrain.conf")))
            .WithFallback(Load(Path.Combine(HoconDirectory, "sqlite.conf")));

        // the embedded SQLite journal lives in the data folder; another database (hocon/postgres.conf)
        // brings its own connection string
        var sqlite = files.GetString("akka.persistence.journal.sql.provider-name", "").StartsWith("SQLite", StringComparison.OrdinalIgnoreCase);
        var database = Quote($"Data Source={Path.Combine(dataDir, "edgetrain.db")}");
        // TLS or not decides the scheme of every address, the seeds' too
        var mode = options.Security ?? SecuritySettings.Create(files.WithFallback(EdgeTrainConfig.ReferenceConfig).GetConfig("edgetrain"), dataDir).Mode;
        var seeds = string.Join(", ", options.Seeds.Select(s => Quote(SeedAddress(s, mode))));
        // The programs handle the stop signals (StopSignals) and stop their node themselves
        // (EdgeTrainNode.StopAsync). Akka's hook would take SIGTERM and SIGINT first and shut the
        // ActorSystem down for ClrExitReason, which a node cannot tell from being downed.
        var overrides = ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture, $"""
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            akka.remote.dot-netty.tcp.hostname = {Quote(options.Host)}
            akka.remote.dot-netty.tcp.port = {options.Port}
            akka.cluster.seed-nodes = [{seeds}]
            akka.cluster.roles = [{roles}]
            edgetrain.region = {Quote(options.Region)}
            edgetrain.data-dir = {Quote(dataDir)}
            edgetrain.training.torch-threads = {options.TorchThreads}
            edgetrain.security.mode = {(mode == SecurityMode.Tls ? "tls" : "insecure")}
            {(options.IdentityDirectory is { } identity ? $"edgetrain.security.identity-dir = {Quote(Path.GetFullPath(identity))}" : "")}
            {(options.CaDirectory is { } ca ? $"edgetrain.security.ca-dir = {Quote(Path.GetFullPath(ca))}" : "")}
            {(sqlite ? $"akka.persistence.journal.sql.connection-string = {database}" : "")}
            {(sqlite ? $"akka.persistence.snapshot-store.sql.connection-string = {database}" : "")}
            """));

        return overrides
            .WithFallback(ClusterTls.Remoting(mode))
            .WithFallback(files)
            .WithFallback(EdgeTrainConfig.ReferenceConfig)
            .WithFallback(ClusterSharding.DefaultConfig())
            .WithFallback(ClusterSingleton.DefaultConfig())
            .WithFallback(ClusterClientReceptionist.DefaultConfig())
            .WithFallback(DistributedPubSub.DefaultConfig())
            .WithFallback(DistributedData.DefaultConfig())
            .WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);
    }

    /// <summary>
    /// The configuration of a command-line client (remoting only, any port) that reaches the cluster
    /// through the seed's receptionist. It logs errors only: its standard output belongs to the
    /// command (a JSON line last), not to association warnings while nodes come and go.
    /// </summary>
    public static Config ForClient(string host = "127.0.0.1") =>
        ConfigurationFactory.ParseString($"""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp.hostname = {Quote(host)}
            akka.remote.dot-netty.tcp.port = 0
            akka.loglevel = ERROR
            akka.stdout-loglevel = OFF
            akka.log-dead-letters = off
            """)
            .WithFallback(Load(Path.Combine(HoconDirectory, "edgetrain.conf")))
            .WithFallback(EdgeTrainConfig.ReferenceConfig)
            .WithFallback(ClusterClientReceptionist.DefaultConfig());

    /// <summary>
    /// The configuration a command that runs no ActorSystem of the cluster reads its settings from (a
    /// storage key file, for one): <paramref name="configFiles"/> (highest priority first), then
    /// <c>hocon/edgetrain.conf</c> beside the program when it is there, then <c>reference.conf</c>.
    /// </summary>
    /// <exception cref="InvalidInputException">a file is missing or malformed (naming it).</exception>
    public static Config ForTool(IReadOnlyList<string> configFiles)
    {
        ArgumentNullException.ThrowIfNull(configFiles);
        var config = Config.Empty;
        foreach (var file in configFiles)
        {
            config = config.WithFallback(Load(file));
        }

        var beside = Path.Combine(HoconDirectory, "edgetrain.conf");
        if (File.Exists(beside))
        {
            config = config.WithFallback(Load(beside));
        }

        return config.WithFallback(EdgeTrainConfig.ReferenceConfig);
    }

    /// <summary>The cluster address of a seed given as <c>host:port</c>, over plain TCP (command-line clients).</summary>
    /// <exception cref="InvalidInputException">it is not <c>host:port</c> with a port from 1 to 65535.</exception>
    public static string SeedAddress(string hostAndPort) => SeedAddress(hostAndPort, SecurityMode.Insecure);

    /// <summary>The cluster address of a seed given as <c>host:port</c> in <paramref name="mode"/> (<c>akka.ssl.tcp</c> over TLS).</summary>
    /// <exception cref="InvalidInputException">it is not <c>host:port</c> with a port from 1 to 65535.</exception>
    public static string SeedAddress(string hostAndPort, SecurityMode mode)
    {
        var (host, port) = ParseEndpoint(hostAndPort, "--seed");
        return $"{ClusterTls.Protocol(mode)}://{SystemName}@{host}:{port}";
    }

    /// <summary>Splits <c>host:port</c>; errors name <paramref name="option"/>.</summary>
    public static (string Host, int Port) ParseEndpoint(string hostAndPort, string option)
    {
        ArgumentNullException.ThrowIfNull(hostAndPort);
        var colon = hostAndPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostAndPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new InvalidInputException("command line", option, $"expected HOST:PORT with a port from 1 to 65535, found '{hostAndPort}'");
        }

        return (hostAndPort[..colon], port);
    }

    private static Config Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException(path, "", "configuration file not found");
        }

        var text = File.ReadAllText(path);
        Configuration.HoconSyntaxCheck.Check(text, path);
        return ConfigurationFactory.ParseString(text);
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
