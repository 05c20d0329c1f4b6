namespace EdgeTrain.Core.Aggregation.Robust;

/// <summary>How one round of a region's contributions is merged (<c>aggregation.rule</c> in a job file).</summary>
public enum AggregationRuleKind
{
    /// <summary>The weighted mean of every contribution (no defence).</summary>
    Mean,

    /// <summary>Per coordinate, the mean of what is left after dropping the β·n largest and β·n smallest values.</summary>
    TrimmedMean,

    /// <summary>Per coordinate, the median.</summary>
    Median,

    /// <summary>
    /// Multi-Krum (Blanchard et al. 2017): each contribution is scored by the sum of its squared
    /// distances to its n − f − 2 nearest others; the m best-scored are averaged. Needs n ≥ 2f + 3.
    /// </summary>
    MultiKrum,

    /// <summary>
    /// Centered clipping (Karimireddy, He and Jaggi 2021): starting from the coordinate-wise median,
    /// L times move towards the mean of the contributions' differences, each clipped to norm τ.
    /// </summary>
    CenteredClip,
}

/// <summary>How each contribution's L2 norm is bounded before the rule (<c>aggregation.clip-norm</c>).</summary>
public enum ClipNormKind
{
    /// <summary>No bound.</summary>
    None,

    /// <summary>Every contribution is scaled down to norm at most <see cref="AggregationRule.ClipNorm"/>.</summary>
    Absolute,

    /// <summary>Every contribution is scaled down to at most <see cref="AggregationRule.ClipNorm"/> × the round's median norm.</summary>
    RelativeToMedian,
}

/// <summary>
/// A region's merge rule with its parameters, validated: <paramref name="Beta"/> (trimmed mean, the
/// fraction dropped per side, in [0, 0.5)), <paramref name="F"/> (Multi-Krum, the attackers it
/// tolerates) and <paramref name="M"/> (how many it averages; 0: n − f), <paramref name="Tau"/> and
/// <paramref name="Iterations"/> (centered clipping), the norm bound applied first, and the norm floor
/// (<paramref name="MinNormRatio"/>, <c>aggregation.min-norm</c>): a contribution whose L2 norm is below
/// that fraction of the round's median norm does no work (a free rider's empty or near-empty update) and
/// is left out before the rule; 0 turns the floor off.
/// </summary>
public sealed record AggregationRule(
    AggregationRuleKind Kind,
    double Beta = 0.1,
    int F = 1,
    int M = 0,
    double Tau = 1.0,
    int Iterations = 3,
    ClipNormKind Clip = ClipNormKind.None,
    double ClipNorm = 0,
    double MinNormRatio = 0)
{
    /// <summary>The weighted mean, no clipping: what the aggregators did before robust rules.</summary>
    public static AggregationRule Mean { get; } = new(AggregationRuleKind.Mean);

    /// <summary>Whether the rule must see one round of single contributions (all but a plain mean without clipping).</summary>
    public bool NeedsRounds => Kind != AggregationRuleKind.Mean || Clip != ClipNormKind.None || MinNormRatio > 0;

    /// <summary>The fewest contributions a round needs for the rule to be meaningful (Krum: 2f + 3; trimmed mean: enough that β·n drops one per side; others: 1).</summary>
    public int MinimumContributions => Kind switch
    {
        AggregationRuleKind.MultiKrum => (2 * F) + 3,
        AggregationRuleKind.TrimmedMean => Beta <= 0 ? 1 : (int)Math.Ceiling(1 / Beta),
        AggregationRuleKind.Median => 3,
        AggregationRuleKind.CenteredClip => 3,
        _ => 1,
    };

    /// <summary>Why the rule cannot work with its parameters (null when it can).</summary>
    public string? Problem() => Kind switch
    {
        AggregationRuleKind.TrimmedMean when !(Beta >= 0 && Beta < 0.5) => $"trimmed-mean needs 0 ≤ beta < 0.5, found {Beta}",
        AggregationRuleKind.MultiKrum when F < 0 => $"multi-krum needs f ≥ 0, found {F}",
        AggregationRuleKind.MultiKrum when M < 0 => $"multi-krum needs m ≥ 0 (0: n − f), found {M}",
        AggregationRuleKind.CenteredClip when !(Tau > 0) || !double.IsFinite(Tau) => $"centered-clip needs tau > 0, found {Tau}",
        AggregationRuleKind.CenteredClip when Iterations < 1 => $"centered-clip needs iterations ≥ 1, found {Iterations}",
        _ when Clip != ClipNormKind.None && !(ClipNorm > 0 && double.IsFinite(ClipNorm)) => $"clip-norm needs a positive bound, found {ClipNorm}",
        _ when !(MinNormRatio >= 0 && MinNormRatio < 1) => $"min-norm needs a fraction of the round's median norm in [0, 1), found {MinNormRatio}",
        _ when MinNormRatio > 0 && Clip == ClipNormKind.RelativeToMedian && ClipNorm <= MinNormRatio =>
            $"min-norm {MinNormRatio}x-median is not below clip-norm {ClipNorm}x-median: no contribution could pass both",
        _ => null,
    };

    /// <summary>Why the rule cannot work on rounds of <paramref name="contributions"/> (a region's trainers), or null.</summary>
    public string? ProblemWith(int contributions) => Kind switch
    {
        AggregationRuleKind.MultiKrum when contributions < (2 * F) + 3 =>
            $"multi-krum with f = {F} needs n ≥ 2f + 3 = {(2 * F) + 3} trainers per round, a region has {contributions}",
        AggregationRuleKind.MultiKrum when M > contributions - F =>
            $"multi-krum with f = {F} averages at most n − f = {contributions - F} of {contributions} contributions, m = {M}",
        _ when NeedsRounds && contributions < MinimumContributions =>
            $"{Name} needs at least {MinimumContributions} trainers per round in a region, a region has {contributions}",
        _ => null,
    };

    /// <summary>The rule's name as a job file writes it.</summary>
    public string Name => Kind switch
    {
        AggregationRuleKind.TrimmedMean => "trimmed-mean",
        AggregationRuleKind.MultiKrum => "multi-krum",
        AggregationRuleKind.CenteredClip => "centered-clip",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
