namespace EdgeTrain.Core.Reputation;

/// <summary>
/// One node identity's history: contributions a rule used, contributions it left out, votes won and
/// lost, updates refused (not finite, malformed), spot checks passed and failed, and whether the node is
/// quarantined (since when, why, and after how many observations: the rounds or votes that judged it).
/// Slowness and dropping out are not in it: they are not misconduct.
/// </summary>
public sealed record ReputationRecord(
    string Node,
    long Used = 0,
    long LeftOut = 0,
    long VotesWon = 0,
    long VotesLost = 0,
    long Refused = 0,
    long SpotChecksPassed = 0,
    long SpotChecksFailed = 0,
    DateTime? QuarantinedUtc = null,
    string? QuarantineReason = null,
    long ObservedAtQuarantine = 0)
{
    /// <summary>Observations that speak for the node.</summary>
    public long Good => Used + VotesWon + SpotChecksPassed;

    /// <summary>Observations that speak against it.</summary>
    public long Bad => LeftOut + VotesLost + Refused + SpotChecksFailed;

    /// <summary>Whether the node is quarantined: no work, its contributions dropped.</summary>
    public bool Quarantined => QuarantinedUtc is not null;

    /// <summary>The record plus <paramref name="delta"/>'s counts.</summary>
    public ReputationRecord Add(ReputationDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        return this with
        {
            Used = Used + delta.Used,
            LeftOut = LeftOut + delta.LeftOut,
            VotesWon = VotesWon + delta.VotesWon,
            VotesLost = VotesLost + delta.VotesLost,
            Refused = Refused + delta.Refused,
            SpotChecksPassed = SpotChecksPassed + delta.SpotChecksPassed,
            SpotChecksFailed = SpotChecksFailed + delta.SpotChecksFailed,
        };
    }
}

/// <summary>Counts to add to a node's record (what an aggregator saw of it since its last report).</summary>
public sealed record ReputationDelta(
    long Used = 0,
    long LeftOut = 0,
    long VotesWon = 0,
    long VotesLost = 0,
    long Refused = 0,
    long SpotChecksPassed = 0,
    long SpotChecksFailed = 0)
{
    /// <summary>Whether it adds nothing.</summary>
    public bool IsEmpty => Used == 0 && LeftOut == 0 && VotesWon == 0 && VotesLost == 0 && Refused == 0 && SpotChecksPassed == 0 && SpotChecksFailed == 0;

    /// <summary>The sum of two deltas.</summary>
    public ReputationDelta Plus(ReputationDelta other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Used + other.Used, LeftOut + other.LeftOut, VotesWon + other.VotesWon, VotesLost + other.VotesLost, Refused + other.Refused,
            SpotChecksPassed + other.SpotChecksPassed, SpotChecksFailed + other.SpotChecksFailed);
    }
}
