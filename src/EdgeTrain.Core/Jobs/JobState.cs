namespace EdgeTrain.Core.Jobs;

/// <summary>Where a job is in its life.</summary>
public enum JobState
{
    /// <summary>Slices are being created and trainers placed.</summary>
    Starting,

    /// <summary>Trainers are training.</summary>
    Running,

    /// <summary>An operator paused the job: its trainers are stopped, its slices stay, and a resume starts them again.</summary>
    Paused,

    /// <summary>The job reached its target accuracy.</summary>
    Completed,

    /// <summary>The job hit its time limit before its target.</summary>
    TimedOut,

    /// <summary>The job could not start or run (the message says why).</summary>
    Failed,

    /// <summary>A user cancelled the job.</summary>
    Cancelled,

    /// <summary>
    /// The job waits in the scheduler's queue: the cluster cannot hold its <c>min-trainers</c> now
    /// (other jobs of higher or equal priority hold the trainer capacity). It starts by itself when
    /// capacity returns; its time limit counts only while it trains.
    /// </summary>
    Queued,

    /// <summary>
    /// The scheduler stopped the job's trainers for a job of higher priority: its slices stay and
    /// nothing is lost; it resumes by itself when its minimum of trainers can be held again.
    /// </summary>
    Preempted,
}
