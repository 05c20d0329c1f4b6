using Akka.Actor;
using Akka.Cluster;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Commands.Dashboard;

/// <summary>
/// Keeps the dashboard's latest <see cref="DashboardSnapshot"/>: every <c>interval</c> it reads the membership of the
/// seed's ActorSystem and asks the coordinator for its jobs, nodes and queue (read-only queries), and numbers the
/// snapshot. Page requests and event streams read <see cref="Latest"/>; nothing they do reaches the cluster.
/// </summary>
public sealed class DashboardFeed : IAsyncDisposable
{
    private readonly ActorSystem system;
    private readonly IActorRef coordinator;
    private readonly TimeSpan interval;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private DashboardSnapshot latest = new(DateTime.UnixEpoch, 0, [], [], []);

    /// <summary>Starts polling <paramref name="coordinator"/> of <paramref name="system"/> every <paramref name="interval"/>.</summary>
    public DashboardFeed(ActorSystem system, IActorRef coordinator, TimeSpan interval)
    {
        this.system = system ?? throw new ArgumentNullException(nameof(system));
        this.coordinator = coordinator ?? throw new ArgumentNullException(nameof(coordinator));
        this.interval = interval;
        loop = Task.Run(RunAsync);
    }

    /// <summary>The latest snapshot (sequence 0 before the first).</summary>
    public DashboardSnapshot Latest => Volatile.Read(ref latest);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        stop.Dispose();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(interval);
        long sequence = 0;
        do
        {
            if (system.WhenTerminated.IsCompleted)
            {
                return;
            }

            var members = Cluster.Get(system).State.Members
                .Select(m => new ClusterMemberView(m.Address.ToString(), m.Status.ToString().ToLowerInvariant(), [.. m.Roles.Order(StringComparer.Ordinal)]))
                .ToArray();
            var jobs = await AskAsync<JobList>(ListJobs.Instance).ConfigureAwait(false);
            var nodes = await AskAsync<NodeList>(GetNodes.Instance).ConfigureAwait(false);
            var queue = await AskAsync<JobQueue>(GetJobQueue.Instance).ConfigureAwait(false);
            var snapshot = DashboardSnapshot.Of(DateTime.UtcNow, ++sequence, members, nodes?.Nodes, jobs?.Jobs ?? [], queue);
            if (jobs is null && Latest.Sequence > 0)
            {
                // a coordinator that did not answer (it is moving): the jobs last shown stay
                snapshot = snapshot with { Jobs = Latest.Jobs, Events = Latest.Events };
            }

            Volatile.Write(ref latest, snapshot);
        }
        while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false));
    }

    private async Task<T?> AskAsync<T>(object query)
        where T : class
    {
        try
        {
            return await coordinator.Ask<object>(query, interval * 3, stop.Token).ConfigureAwait(false) as T;
        }
        catch (AskTimeoutException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!stop.IsCancellationRequested)
        {
            return null;
        }
    }
}
