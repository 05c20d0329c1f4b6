namespace EdgeTrain.Core.Redundancy;

/// <summary>
/// One work unit of a shared-data job: compute the update of the model at <paramref name="Versions"/>
/// (one version per slice) on the rows <paramref name="Samples"/> of the shared training set (in that
/// order, cut into batches of the job's batch size), with the random generator seeded by
/// <paramref name="Seed"/> and one libtorch thread. Every replica of a unit computes exactly this, so
/// honest replicas agree up to float rounding.
/// </summary>
/// <param name="Id">The unit's number, unique within its vote (aggregator incarnation).</param>
/// <param name="Round">The round it belongs to: one model version, one merged update.</param>
/// <param name="Versions">The model version it is computed from, one version per slice.</param>
/// <param name="Samples">Row indices into the shared training set.</param>
/// <param name="Seed">Seed of the generator (dropout and anything random in the step).</param>
public sealed record WorkUnit(long Id, int Round, long[] Versions, int[] Samples, int Seed);

/// <summary>A unit the vote accepted: the majority's update (the mean of the agreeing replicas), computed on <paramref name="Weight"/> samples.</summary>
public sealed record AcceptedUnit(WorkUnit Unit, float[] Update, double Weight);

/// <summary>
/// How a job's votes run: <paramref name="Replicas"/> copies of a unit for an untrusted node (capped at
/// the region's trainers), a spot check of a trusted node's unit at <paramref name="SpotCheckRate"/>,
/// <paramref name="UnitsPerRound"/> units applied per round (one per trainer of the region),
/// <paramref name="UnitSamples"/> samples a unit (batch size × local steps), the generator's
/// <paramref name="Seed"/>, the longest a round stays open (<paramref name="RoundTimeout"/>) and the
/// relative L2 <paramref name="Tolerance"/> within which replicas agree. <paramref name="Trainers"/>: the
/// region's trainers, the most replicas a unit can get (0: no cap).
/// </summary>
public sealed record VoteSettings(
    int Replicas, double SpotCheckRate, int UnitsPerRound, int UnitSamples, int Seed, TimeSpan RoundTimeout, int Trainers = 0, double Tolerance = Reputation.ReplicaVote.DefaultTolerance);

/// <summary>What a node asking for work gets: a unit (<see cref="Unit"/> set) or why not now (<see cref="Wait"/>).</summary>
public sealed record UnitAnswer(WorkUnit? Unit, string? Wait)
{
    /// <summary>A unit to compute.</summary>
    public static UnitAnswer Assign(WorkUnit unit) => new(unit, null);

    /// <summary>No unit now: pull the model again and ask again shortly.</summary>
    public static UnitAnswer Later(string reason) => new(null, reason);
}

/// <summary>
/// The counts of redundant execution: replicas computed (every result received), units applied, and the
/// same two for the units of trusted nodes only (reputations settled: one copy, plus spot checks).
/// Extra compute = computed / applied − 1.
/// </summary>
public sealed record VoteCounts(long Computed, long Applied, long SettledComputed, long SettledApplied, long Inconclusive, long Abandoned)
{
    /// <summary>No counts yet.</summary>
    public static VoteCounts Zero { get; } = new(0, 0, 0, 0, 0, 0);

    /// <summary>Replicas computed beyond one per applied unit, as a fraction of the applied units (null before any applied).</summary>
    public double? ExtraCompute => Applied > 0 ? ((double)Computed / Applied) - 1 : null;

    /// <summary>The same for trusted nodes' units only: the cost once reputations have settled.</summary>
    public double? SettledExtraCompute => SettledApplied > 0 ? ((double)SettledComputed / SettledApplied) - 1 : null;
}
