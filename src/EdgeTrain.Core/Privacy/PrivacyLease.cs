namespace EdgeTrain.Core.Privacy;

/// <summary>
/// The coordinator's answer to a DP-SGD trainer that asks for more steps: how many it may take, and what
/// its partitions have spent once it has taken them all — reserved (persisted as spent) before any of
/// those steps is released, so that what the coordinator records is never below what left the trainers.
/// <paramref name="Steps"/> 0: the budget allows no further step.
/// </summary>
public sealed record PrivacyLease(int Steps, PrivacySpent Reserved)
{
    /// <summary>
    /// The lease for a trainer whose partitions have spent <paramref name="spent"/> (the larger of the
    /// coordinator's record and the trainer's own), asking for <paramref name="requested"/> steps at sampling
    /// rate <paramref name="samplingRate"/> with <paramref name="privacy"/>'s noise: as many of them as keep ε at
    /// δ within the target (all of them without a target).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">requested below 1, or q outside (0, 1].</exception>
    public static PrivacyLease Decide(RdpAccountant spent, double samplingRate, int requested, Jobs.PrivacySpec privacy)
    {
        ArgumentNullException.ThrowIfNull(spent);
        ArgumentNullException.ThrowIfNull(privacy);
        ArgumentOutOfRangeException.ThrowIfLessThan(requested, 1);
        if (privacy.TargetEpsilon <= 0)
        {
            return new PrivacyLease(requested, spent.Step(samplingRate, privacy.NoiseMultiplier, requested).Spent);
        }

        // the most steps within the target: ε only grows with steps, so a binary search
        int low = 0, high = requested;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (spent.Step(samplingRate, privacy.NoiseMultiplier, middle).Epsilon(privacy.Delta).Epsilon <= privacy.TargetEpsilon)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return new PrivacyLease(low, spent.Step(samplingRate, privacy.NoiseMultiplier, low).Spent);
    }
}
