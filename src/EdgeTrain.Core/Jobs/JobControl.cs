namespace EdgeTrain.Core.Jobs;

/// <summary>What an operator can do to a job (<c>edgetrain-cmd job pause|resume|cancel</c>).</summary>
public enum JobControl
{
    /// <summary>Stop the job's trainers and keep its slices; its time limit stops counting.</summary>
    Pause,

    /// <summary>Give a paused job back to the scheduler, which starts its trainers again from the slices' current values.</summary>
    Resume,

    /// <summary>End the job for good with state <see cref="JobState.Cancelled"/>.</summary>
    Cancel,
}
