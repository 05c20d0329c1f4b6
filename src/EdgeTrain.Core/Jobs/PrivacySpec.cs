namespace EdgeTrain.Core.Jobs;

/// <summary>What differential privacy protects (<c>privacy.mode</c>).</summary>
public enum PrivacyMode
{
    /// <summary>No differential privacy (secure aggregation may still be on).</summary>
    Off,

    /// <summary>
    /// Example-level DP-SGD on the trainers: every example's gradient clipped to L2 norm
    /// <see cref="PrivacySpec.Clip"/>, Gaussian noise of σ·C added to each batch's sum.
    /// </summary>
    Example,

    /// <summary>
    /// Client-level DP: each trainer's whole update clipped to <see cref="PrivacySpec.Clip"/>, Gaussian
    /// noise of σ·C on the sum of a round (each trainer adds its share of it).
    /// </summary>
    Client,
}

/// <summary>
/// The job's privacy (<c>job.privacy</c>): differential privacy (<paramref name="Mode"/>,
/// <paramref name="Clip"/> C, <paramref name="NoiseMultiplier"/> σ, <paramref name="Delta"/> δ, and
/// <paramref name="TargetEpsilon"/>: training ends before ε would pass it; 0 for no target) and
/// <paramref name="SecureAggregation"/> (aggregators see only masked updates and their sum; each update
/// value clipped to ±<paramref name="SecureRange"/> and sent as 32-bit fixed point).
/// </summary>
public sealed record PrivacySpec(
    PrivacyMode Mode,
    double Clip = 1.0,
    double NoiseMultiplier = 1.0,
    double Delta = 1e-5,
    double TargetEpsilon = 0,
    bool SecureAggregation = false,
    double SecureRange = 1.0)
{
    /// <summary>Whether differential privacy is on.</summary>
    public bool Dp => Mode != PrivacyMode.Off;

    /// <summary>The mode as a job file writes it.</summary>
    public string ModeName => Mode.ToString().ToLowerInvariant();
}
