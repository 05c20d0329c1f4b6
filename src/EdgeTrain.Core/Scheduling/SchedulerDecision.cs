using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Core.Scheduling;

/// <summary>
/// What the scheduler decided, from the coordinator's state and the time alone
/// (<see cref="Scheduler.Decide"/>); the coordinator actor carries each out
/// (<see cref="CoordinatorState.Execute"/> changes the state and says which trainers to start or stop).
/// </summary>
public abstract record SchedulerDecision(string JobId, string Why);

/// <summary>
/// A queued or preempted job gets trainers on <paramref name="Nodes"/> and starts; its data is cut into
/// <paramref name="Partitions"/> partitions (fixed at its first placement), spread over the nodes.
/// </summary>
public sealed record PlaceJob(string JobId, IReadOnlyList<string> Nodes, int Partitions, string Why) : SchedulerDecision(JobId, Why);

/// <summary>A job that holds trainers gets one more, on <paramref name="Node"/>.</summary>
public sealed record GrowJob(string JobId, string Node, string Why) : SchedulerDecision(JobId, Why);

/// <summary>A job gives up its trainer on <paramref name="Node"/> (to a job of higher or equal priority); its partitions move to its other trainers.</summary>
public sealed record ShrinkJob(string JobId, string Node, string Why) : SchedulerDecision(JobId, Why);

/// <summary>A job's trainers all stop for a job of higher priority; its slices stay and it resumes by itself.</summary>
public sealed record PreemptJob(string JobId, string Why) : SchedulerDecision(JobId, Why);

/// <summary>A straggler on <paramref name="From"/> hands its partitions to <paramref name="To"/>: a free node, or else the job's fastest other trainer.</summary>
public sealed record MigrateTrainer(string JobId, string From, string To, string Why) : SchedulerDecision(JobId, Why);

/// <summary>A job that cannot get trainers now waits in the queue, for <see cref="SchedulerDecision.Why"/>.</summary>
public sealed record QueueJob(string JobId, string Why) : SchedulerDecision(JobId, Why);

/// <summary>
/// A job ends in <paramref name="State"/>: its target reached or its time limit passed (<see cref="SchedulerDecision.Why"/>
/// is empty: the coordinator words the end), or it could not start, or no registered node can train it (the reason).
/// </summary>
public sealed record FinishJob(string JobId, JobState State, string Why) : SchedulerDecision(JobId, Why);
