using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Tools.Client;

namespace EdgeTrain.Actors.Hosting;

/// <summary>
/// A command-line client of a cluster (<c>submit</c>, <c>status</c>, the demo's live view): an
/// ActorSystem with plain remoting that talks to the JobCoordinator through the seed nodes'
/// cluster-client receptionist, without joining the cluster.
/// </summary>
public sealed class EdgeTrainClient : IAsyncDisposable
{
    private readonly ActorSystem system;
    private readonly IActorRef client;

    private EdgeTrainClient(ActorSystem system, IActorRef client)
    {
        this.system = system;
        this.client = client;
    }

    /// <summary>Connects to the cluster through <paramref name="seeds"/> (<c>host:port</c>).</summary>
    public static EdgeTrainClient Connect(IReadOnlyList<string> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var contacts = seeds
            .Select(seed => ActorPath.Parse(ClusterConfigBuilder.SeedAddress(seed) + "/system/receptionist"))
            .ToImmutableHashSet();
        var system = ActorSystem.Create(ClusterConfigBuilder.SystemName + "-client", ClusterConfigBuilder.ForClient());
        var settings = ClusterClientSettings.Create(system).WithInitialContacts(contacts).WithReconnectTimeout(null);
        var client = system.ActorOf(ClusterClient.Props(settings), "client");
        return new EdgeTrainClient(system, client);
    }

    /// <summary>Asks the JobCoordinator <paramref name="message"/> and waits for its answer.</summary>
    public Task<object> Ask(object message, TimeSpan timeout) =>
        client.Ask<object>(new ClusterClient.Send("/user/" + ActorNames.CoordinatorProxy, message, localAffinity: false), timeout);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await system.Terminate().ConfigureAwait(false);
}
