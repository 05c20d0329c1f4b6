namespace EdgeTrain.Core.Scheduling;

/// <summary>
/// How fast one trainer node trains one job, measured from its reports: samples per second since
/// its first report in the current placement, and since when it has been a straggler (slower than the
/// job's median by the scheduler's ratio), if it is one.
/// </summary>
public sealed record TrainerSpeed(DateTime FirstUtc, long FirstSamples, DateTime LastUtc, long LastSamples, double RoundTripMs, DateTime? SlowSinceUtc = null)
{
    /// <summary>Samples per second between the first and the latest report (0 before two reports a second apart).</summary>
    public double SamplesPerSecond
    {
        get
        {
            var seconds = (LastUtc - FirstUtc).TotalSeconds;
            return seconds >= 1 ? Math.Max(0, LastSamples - FirstSamples) / seconds : 0;
        }
    }

    /// <summary>How long the node has trained the job (as its reports tell).</summary>
    public TimeSpan Trained => LastUtc - FirstUtc;
}
