namespace EdgeTrain.Core.Aggregation.Robust;

/// <summary>One trainer's whole update in a round: who sent it, its values (every slice, concatenated) and its weight (samples).</summary>
public sealed record RoundContribution(string Source, float[] Values, double Weight);

/// <summary>
/// What a rule did with one contribution: whether it counts in the merged update (fully, or in some
/// coordinates only for the coordinate-wise rules), the factor its norm was clipped by (1: not), its
/// L2 distance to the merged update, and the reason when it was left out.
/// </summary>
public sealed record ContributionVerdict(string Source, bool Included, double KeptFraction, double ClipFactor, double Distance, double Score, string? Reason)
{
    /// <summary>
    /// Whether the contribution is evidence against its sender: an outlier the rule discounted. For the
    /// distance rules that is every one left out; Multi-Krum leaves out n − m contributions every round,
    /// attack or not, so there only one whose Krum score is over <see cref="RobustMerge.OutlierFactor"/>
    /// times the round's median score (one merely not selected is evidence neither way).
    /// </summary>
    public bool Outlier { get; init; }
}

/// <summary>A merged round: the update to apply, and a verdict per contribution in their order.</summary>
public sealed record RoundResult(float[] Merged, IReadOnlyList<ContributionVerdict> Verdicts)
{
    /// <summary>The verdicts of the contributions left out (fully, or from more than half of the coordinates).</summary>
    public IEnumerable<ContributionVerdict> LeftOut => Verdicts.Where(v => !v.Included);
}
