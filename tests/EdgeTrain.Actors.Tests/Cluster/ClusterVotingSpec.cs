using Akka.Actor;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Actors.Tests.Jobs;
using EdgeTrain.Core.Jobs;
using Xunit.Abstractions;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Actors.Tests.Cluster;

/// <summary>
/// Four ActorSystems in this process: a seed and three trainers of one region on a shared-data job with
/// redundancy. The first trainer sends sign-flipped updates: it loses every vote, the majority's update is
/// applied, its reputation falls until it is quarantined, and the job still trains.
/// </summary>
public sealed class ClusterVotingSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly InProcessCluster cluster = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task A_sign_flipping_replica_loses_its_votes_and_is_quarantined_while_the_majority_trains_the_model()
    {
        var seed = await cluster.StartOneRegionAsync(3, "edgetrain.training.adversary = sign-flip");
        var attacker = Akka.Cluster.Cluster.Get(cluster.Nodes[1].System).SelfAddress.ToString();
        var spec = TestJobs.SmallMlp("voting-spec", TimeSpan.FromMinutes(3), seed: 3) with
        {
            Data = new DataSpec("mnist", EdgeTrain.Tests.RepoPaths.Mnist, PartitioningKind.Iid, 2, DataPlacement.Shared),
            Redundancy = new RedundancySpec(3, 0.1),
            Optimizer = new OptimizerSpec(OptimizerKind.Adam, 0.01, 0, 0),
            BatchSize = 128,
            MinTrainers = 2,
            TargetAccuracy = 0.8,
        };

        var accepted = await seed.Coordinator.Ask<JobAccepted>(new SubmitJob(spec), TimeSpan.FromSeconds(30));

        JobStatus status = null!;
        NodeList list = null!;
        await InProcessCluster.Eventually(async () =>
        {
            status = await seed.Coordinator.Ask<JobStatus>(new GetJobStatus(accepted.JobId), TimeSpan.FromSeconds(5));
            list = await seed.Coordinator.Ask<NodeList>(GetNodes.Instance, TimeSpan.FromSeconds(5));
            var votes = status.Votes;
            output.WriteLine($"{status.State} {status.ElapsedSeconds:0.0}s samples {status.Samples} accuracy {status.Accuracy:P1} updates {status.Updates} "
                + $"votes {(votes is null ? "-" : $"{votes.Computed}/{votes.Applied}")} reputations {string.Join(" ", list.Nodes.Where(n => n.Roles.Contains("trainer")).Select(n => $"{n.Address[^5..]}={n.Reputation:0.00}{(n.Quarantined ? "Q" : "")}"))}");
            return status.Finished && list.Nodes.Single(n => n.Address == attacker).Quarantined;
        }, TimeSpan.FromSeconds(150));

        Assert.Equal(JobState.Completed, status.State);
        Assert.True(status.Accuracy >= 0.8, $"accuracy {status.Accuracy}");
        var trainers = list.Nodes.Where(n => n.Roles.Contains("trainer")).ToList();
        Assert.True(trainers.Single(n => n.Address == attacker).Reputation < 0.3, "the attacker's reputation fell");
        Assert.All(trainers.Where(n => n.Address != attacker), n => Assert.True(n.Reputation > 0.5 && !n.Quarantined, $"{n.Address} {n.Reputation}"));
        var counts = status.Votes!;
        Assert.True(counts.Applied > 0);
        Assert.True(counts.Computed >= 2 * counts.Applied, $"{counts.Computed} computed for {counts.Applied} applied: every unit of an untrusted node has replicas");
    }
}
