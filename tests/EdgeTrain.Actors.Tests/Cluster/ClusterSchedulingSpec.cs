using Akka.Actor;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Actors.Tests.Jobs;
using EdgeTrain.Core.Jobs;
using Xunit.Abstractions;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Actors.Tests.Cluster;

/// <summary>Two jobs on one three-system cluster: the scheduler's priorities, preemption and resumption through the real coordinator.</summary>
public sealed class ClusterSchedulingSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly InProcessCluster cluster = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task A_job_of_higher_priority_preempts_a_running_one_which_resumes_and_finishes_after_it()
    {
        var seed = await cluster.StartAsync();
        var low = TestJobs.SmallMlp("low", TimeSpan.FromMinutes(4), seed: 3) with { TargetAccuracy = 0.99 };
        var high = TestJobs.SmallMlp("high", TimeSpan.FromMinutes(4), seed: 5) with { Priority = 5, MinTrainers = 2 };

        var lowId = (await seed.Coordinator.Ask<JobAccepted>(new SubmitJob(low), TimeSpan.FromSeconds(30))).JobId;
        await Until(seed.Coordinator, lowId, s => s.State == JobState.Running && s.Samples > 0, TimeSpan.FromSeconds(60));
        var highId = (await seed.Coordinator.Ask<JobAccepted>(new SubmitJob(high), TimeSpan.FromSeconds(30))).JobId;

        var preempted = await Until(seed.Coordinator, lowId, s => s.State == JobState.Preempted, TimeSpan.FromSeconds(30));
        var queue = await seed.Coordinator.Ask<JobQueue>(GetJobQueue.Instance, TimeSpan.FromSeconds(5));
        var done = await Until(seed.Coordinator, highId, s => s.Finished, TimeSpan.FromSeconds(90));

        // the low job's target is out of reach: it trains again after the high one, until it is cancelled
        var resumed = await Until(seed.Coordinator, lowId, s => s.State == JobState.Running && s.Samples > preempted.Samples, TimeSpan.FromSeconds(60));
        var cancelled = await seed.Coordinator.Ask<JobControlled>(new ControlJob(lowId, JobControl.Cancel, "spec"), TimeSpan.FromSeconds(10));

        Assert.Equal(JobState.Completed, done.State);
        Assert.Equal([highId, lowId], queue.Jobs.Select(j => j.JobId));
        Assert.Contains(queue.Jobs[0].State, new[] { JobState.Starting, JobState.Running });
        Assert.Equal(JobState.Preempted, queue.Jobs[1].State);
        Assert.Contains(preempted.Events, e => e.Contains($"preempted by {highId}", StringComparison.Ordinal));
        Assert.Contains("waiting:", preempted.Message, StringComparison.Ordinal);
        var trainers = resumed.TrainersOverTime.Select(t => t.Trainers).ToList();
        Assert.True(trainers.IndexOf(0) > 0 && trainers[^1] > 0, $"trainers over time: {string.Join(", ", trainers)}");
        Assert.Equal(JobState.Cancelled, cancelled.State);
    }

    private async Task<JobStatus> Until(IActorRef coordinator, string jobId, Func<JobStatus, bool> condition, TimeSpan timeout)
    {
        JobStatus status = null!;
        await InProcessCluster.Eventually(async () =>
        {
            status = await coordinator.Ask<JobStatus>(new GetJobStatus(jobId), TimeSpan.FromSeconds(5));
            output.WriteLine($"{jobId} {status.State} {status.ElapsedSeconds:0.0}s samples {status.Samples} accuracy {status.Accuracy:P1} trainers {status.Trainers.Count} {status.Message}");
            return condition(status);
        }, timeout);
        return status;
    }
}
