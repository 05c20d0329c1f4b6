namespace EdgeTrain.Actors.Jobs;

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
}
