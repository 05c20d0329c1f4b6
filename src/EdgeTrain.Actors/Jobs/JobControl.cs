using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Actors.Jobs;

/// <summary>What an operator can do to a job (<see cref="JobProtocol.ControlJob"/>).</summary>
public enum JobControl
{
    /// <summary>Stop the trainers and keep the slices; the job's time limit stops counting.</summary>
    Pause,

    /// <summary>Start the trainers of a paused job again, from the slices' current values.</summary>
    Resume,

    /// <summary>End the job for good with state <see cref="JobState.Cancelled"/>.</summary>
    Cancel,
}
