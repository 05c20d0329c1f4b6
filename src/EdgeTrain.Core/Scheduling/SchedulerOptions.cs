namespace EdgeTrain.Core.Scheduling;

/// <summary>
/// The scheduler's rules for stragglers and preemption (<c>edgetrain.scheduler</c> in reference.conf).
/// </summary>
/// <param name="StragglerRatio">A trainer below this fraction of its job's median samples/s is a straggler.</param>
/// <param name="StragglerWindow">How long a trainer must stay a straggler before its partitions migrate.</param>
/// <param name="StragglerGrace">How long a trainer trains in a job before it is judged at all.</param>
/// <param name="PreemptionCooldown">How long a job that was preempted or resumed stays put before the scheduler moves it again.</param>
public sealed record SchedulerOptions(double StragglerRatio, TimeSpan StragglerWindow, TimeSpan StragglerGrace, TimeSpan PreemptionCooldown)
{
    /// <summary>The defaults of reference.conf.</summary>
    public static SchedulerOptions Default { get; } = new(0.3, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
}
