using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.Actors.Tests.Security;

/// <summary>
/// EdgeTrain nodes over mutual TLS in this process, each with its own identity from one test CA, and
/// bare ActorSystems that try to join them without what it takes (no certificate, another CA's, an
/// expired or revoked one). Every system's warnings and errors are kept, to assert on refusals.
/// </summary>
internal sealed class SecureCluster : IAsyncDisposable
{
    private readonly List<ActorSystem> systems = [];
    private readonly ConcurrentDictionary<ActorSystem, LogLines> logs = new();
    private int count;

    public TestPki Pki { get; } = new();

    public TempFolder Temp { get; } = new();

    public int SeedPort { get; } = LoopbackPorts.Free();

    /// <summary>
    /// Starts an EdgeTrain node with its own identity granting <paramref name="grants"/> (default: the roles
    /// it claims); with <paramref name="holdsCa"/> it holds the cluster's CA (<c>edgetrain seed --ca</c>).
    /// </summary>
    public EdgeTrainNode StartNode(string name, string[] roles, int port = 0, string[]? grants = null, bool checkClaims = true, string? identity = null, bool holdsCa = false)
    {
        if (identity is null)
        {
            using var certificate = Pki.Issue(name, grants ?? roles);
            identity = Pki.WriteIdentity(Temp.File(Path.Combine("identities", name)), certificate);
        }

        var node = EdgeTrainNode.Start(
            new NodeOptions("127.0.0.1", port, [$"127.0.0.1:{SeedPort}"], "local", roles, Temp.File($"data-{Interlocked.Increment(ref count)}"), Cluster.InProcessCluster.Capable, [], IdentityDirectory: identity, CaDirectory: holdsCa ? Pki.Folder : null),
            checkClaims);
        Keep(node.System);
        return node;
    }

    /// <summary>The seed: seed, params and aggregator roles, on <see cref="SeedPort"/>, holding the CA unless <paramref name="holdsCa"/> is false.</summary>
    public EdgeTrainNode StartSeed(bool holdsCa = true) => StartNode("seed", ["seed", "params", "aggregator"], SeedPort, holdsCa: holdsCa);

    /// <summary>
    /// A bare cluster system that tries to join the seed: over TLS with <paramref name="certificate"/>
    /// (presented as a client only when <paramref name="presentCertificate"/>), or over plain TCP when it is null.
    /// </summary>
    public ActorSystem StartIntruder(X509Certificate2? certificate, bool presentCertificate = true)
    {
        var tls = certificate is not null;
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = cluster
            akka.loglevel = INFO
            akka.stdout-loglevel = OFF
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0, enable-ssl = {{(tls ? "on" : "off")}} }
            akka.cluster.seed-nodes = ["{{(tls ? "akka.ssl.tcp" : "akka.tcp")}}://edgetrain@127.0.0.1:{{SeedPort}}"]
            akka.cluster.roles = [params]
            """);
        var setup = tls
            ? ClusterTls.SystemSetup(config, new DotNettySslSetup(Usable(certificate!), suppressValidation: true, requireMutualAuthentication: presentCertificate))
            : ClusterTls.SystemSetup(config, null);
        var system = ActorSystem.Create(ClusterConfigBuilder.SystemName, setup);
        Keep(system);
        return system;
    }

    /// <summary>The warnings and errors <paramref name="system"/> logged since it started.</summary>
    public IReadOnlyList<string> Log(ActorSystem system) => [.. logs[system].Lines];

    /// <summary>The addresses of the members <paramref name="system"/> sees, with their status.</summary>
    public static IReadOnlyDictionary<string, MemberStatus> Members(ActorSystem system) =>
        Akka.Cluster.Cluster.Get(system).State.Members.ToDictionary(m => m.Address.ToString(), m => m.Status);

    /// <summary>Waits until <paramref name="condition"/> holds, for at most <paramref name="timeout"/>; false when it never did.</summary>
    public static async Task<bool> Within(TimeSpan timeout, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(systems.Select(s => s.Terminate()));
        Pki.Dispose();
        Temp.Dispose();
    }

    // PEM-made and ephemeral keys make a round trip through PKCS#12 so that SslStream can use them
    private static X509Certificate2 Usable(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);

    private void Keep(ActorSystem system)
    {
        systems.Add(system);
        var lines = new LogLines();
        logs[system] = lines;
        var listener = system.ActorOf(Props.Create(() => new LogListener(lines)));
        system.EventStream.Subscribe(listener, typeof(Warning));
        system.EventStream.Subscribe(listener, typeof(Error));
    }

    private sealed class LogLines
    {
        public ConcurrentQueue<string> Lines { get; } = new();
    }

    private sealed class LogListener : ReceiveActor
    {
        public LogListener(LogLines lines) => Receive<LogEvent>(e => lines.Lines.Enqueue($"{e.LogSource}: {e.Message}"));
    }
}
