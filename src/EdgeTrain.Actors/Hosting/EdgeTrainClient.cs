using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using EdgeTrain.Actors.Security;

namespace EdgeTrain.Actors.Hosting;

/// <summary>
/// A command-line client of a cluster (<c>submit</c>, <c>status</c>, the demo's live view): an
/// ActorSystem with remoting only — over mutual TLS with a certificate of the cluster's CA, or plain
/// TCP for a cluster without TLS (<see cref="ClientSecurity"/>) — that talks to the JobCoordinator
/// through the seed nodes' cluster-client receptionist, without joining the cluster.
/// </summary>
public sealed class EdgeTrainClient : IAsyncDisposable
{
    private readonly ActorSystem system;
    private readonly IActorRef client;
    private readonly ClientSecurity security;

    private EdgeTrainClient(ActorSystem system, IActorRef client, ClientSecurity security)
    {
        this.system = system;
        this.client = client;
        this.security = security;
    }

    /// <summary>
    /// Connects to the cluster through <paramref name="seeds"/> (<c>host:port</c>) as <paramref name="security"/>
    /// says; the client owns <paramref name="security"/> from here on.
    /// </summary>
    public static EdgeTrainClient Connect(IReadOnlyList<string> seeds, ClientSecurity security)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(security);
        var contacts = seeds
            .Select(seed => ActorPath.Parse(ClusterConfigBuilder.SeedAddress(seed, security.Mode) + "/system/receptionist"))
            .ToImmutableHashSet();
        var tls = security.Identity is { } identity
            ? ClusterTls.Setup(identity, new PeerCertificates(identity.Ca, security.Revoked, TimeProvider.System))
            : null;
        var system = ActorSystem.Create(
            ClusterConfigBuilder.SystemName + "-client",
            ClusterTls.SystemSetup(ClusterTls.Remoting(security.Mode).WithFallback(ClusterConfigBuilder.ForClient()), tls));
        var settings = ClusterClientSettings.Create(system).WithInitialContacts(contacts).WithReconnectTimeout(null);
        var client = system.ActorOf(ClusterClient.Props(settings), "client");
        return new EdgeTrainClient(system, client, security);
    }

    /// <summary>Asks the JobCoordinator <paramref name="message"/> and waits for its answer.</summary>
    public Task<object> Ask(object message, TimeSpan timeout) =>
        client.Ask<object>(new ClusterClient.Send("/user/" + ActorNames.CoordinatorProxy, message, localAffinity: false), timeout);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await system.Terminate().ConfigureAwait(false);
        security.Dispose();
    }
}
