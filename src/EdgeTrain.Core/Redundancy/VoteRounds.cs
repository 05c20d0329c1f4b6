using EdgeTrain.Core.Reputation;

namespace EdgeTrain.Core.Redundancy;

/// <summary>
/// Redundant execution of one shared-data job in one region, as plain state (the vote actor is thin
/// around it). Work goes in rounds: a round computes from one model version (the version the first node
/// asking for work holds) and ends with one merged update of the units it accepted, so that every
/// replica of a unit pulls the same model. In a round, a node asking for work (<see cref="Request"/>)
/// joins a unit that still lacks replicas, or gets a new unit as long as the units accepted and under
/// way do not exceed <see cref="VoteSettings.UnitsPerRound"/>: an untrusted node's unit needs
/// <see cref="VoteSettings.Replicas"/> copies (at most the region's trainers), a trusted node's one, plus
/// at the spot-check rate one other node's (a disagreement then asks a third, which decides). When a
/// unit has all its replicas (<see cref="Result"/>) it is voted on (<see cref="ReplicaVote"/>): the
/// majority's update is accepted once, winners and losers are recorded as observations. The round
/// closes when it accepted its units, or at its timeout (<see cref="Expire"/>; a unit then voted on with
/// at least two replicas, else abandoned); <see cref="TakeClosed"/> hands over its accepted units, to be
/// merged and sent as one update. A new round starts only from a model that moved past the closed one
/// in every slice (or from the same model when the closed round applied nothing).
/// Deterministic for a given seed and order of calls.
/// </summary>
public sealed class VoteRounds
{
    private readonly Dictionary<string, ReputationDelta> observed = new(StringComparer.Ordinal);
    private readonly List<Unit> units = [];
    private readonly List<AcceptedUnit> accepted = [];
    private readonly Random random;
    private HashSet<string> trusted = new(StringComparer.Ordinal);
    private long[]? versions;
    private TimeSpan startedAt;
    private bool closed;
    private int appliedInRound;
    private List<AcceptedUnit>? handOver;
    private long nextUnit;
    private int[] order = [];
    private int cursor;
    private int datasetSize;

    /// <summary>Creates the vote with <paramref name="settings"/>.</summary>
    public VoteRounds(VoteSettings settings)
    {
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        random = new Random(settings.Seed);
    }

    /// <summary>How the votes run (replicas, spot checks, units per round can change with <see cref="Configure"/>).</summary>
    public VoteSettings Settings { get; private set; }

    /// <summary>The current round (0 before the first).</summary>
    public int Round { get; private set; }

    /// <summary>Whether the current round is closed (its update is being applied).</summary>
    public bool Closed => closed;

    /// <summary>The counts so far.</summary>
    public VoteCounts Counts { get; private set; } = VoteCounts.Zero;

    /// <summary>
    /// New settings (the region's trainers changed, or the coordinator's trust): the seed stays;
    /// <paramref name="trustedNodes"/> are the nodes that work alone. A unit under way that wants more
    /// replicas than the region has trainers now (one left, or was quarantined) wants only that many, and
    /// is decided when it has them; the replicas of <paramref name="excluded"/> nodes (quarantined) are
    /// taken out of the units under way first.
    /// </summary>
    public void Configure(VoteSettings settings, IEnumerable<string> trustedNodes, IEnumerable<string>? excluded = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(trustedNodes);
        Settings = settings with { Seed = Settings.Seed };
        trusted = new HashSet<string>(trustedNodes, StringComparer.Ordinal);
        var gone = new HashSet<string>(excluded ?? [], StringComparer.Ordinal);
        foreach (var unit in units.Where(u => !u.Decided))
        {
            unit.Results.RemoveAll(r => gone.Contains(r.Replica.Node));
            unit.Assigned.RemoveWhere(gone.Contains);
        }

        foreach (var unit in units.Where(u => !u.Decided && u.Want > MostReplicas))
        {
            unit.Want = MostReplicas;
            if (unit.Results.Count >= unit.Want)
            {
                Decide(unit, closing: false);
            }
        }

        if (!closed && versions is not null && accepted.Count >= Settings.UnitsPerRound)
        {
            Close();
        }
    }

    /// <summary>Whether <paramref name="node"/> works alone.</summary>
    public bool Trusted(string node) => trusted.Contains(node);

    /// <summary>
    /// <paramref name="node"/>, holding the model at <paramref name="modelVersions"/> and a shared training
    /// set of <paramref name="samples"/> rows, asks for work at <paramref name="now"/>.
    /// </summary>
    public UnitAnswer Request(string node, IReadOnlyList<long> modelVersions, int samples, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(modelVersions);
        if (samples <= 0)
        {
            return UnitAnswer.Later($"no shared training data on {node}");
        }

        if (datasetSize == 0)
        {
            datasetSize = samples;
        }
        else if (samples != datasetSize)
        {
            return UnitAnswer.Later($"{node} holds {samples} shared samples, the job's other replicas {datasetSize}: replicas must compute on the same data");
        }

        if (versions is null || (closed && MovedPast(modelVersions)))
        {
            Begin(modelVersions, now);
        }
        else if (closed)
        {
            return UnitAnswer.Later($"round {Round} is being applied; pull the model again");
        }
        else if (!modelVersions.SequenceEqual(versions))
        {
            return UnitAnswer.Later($"round {Round} computes from model [{string.Join(",", versions)}], {node} holds [{string.Join(",", modelVersions)}]; pull again");
        }

        // the unit it already has (an ask repeated after a lost answer)
        if (units.FirstOrDefault(u => !u.Decided && u.Assigned.Contains(node) && !u.HasResultOf(node)) is { } mine)
        {
            return UnitAnswer.Assign(mine.Work);
        }

        if (units.FirstOrDefault(u => !u.Decided && u.Assigned.Count < u.Want && !u.Assigned.Contains(node)) is { } open)
        {
            open.Assigned.Add(node);
            return UnitAnswer.Assign(open.Work);
        }

        if (accepted.Count + units.Count(u => !u.Decided) >= Settings.UnitsPerRound)
        {
            return UnitAnswer.Later($"round {Round} has its {Settings.UnitsPerRound} unit(s) under way");
        }

        var isTrusted = trusted.Contains(node);
        var spot = isTrusted && MostReplicas >= 2 && random.NextDouble() < Settings.SpotCheckRate;
        var want = isTrusted ? (spot ? 2 : 1) : Math.Max(1, Math.Min(Settings.Replicas, MostReplicas));
        var unit = new Unit(new WorkUnit(++nextUnit, Round, [.. versions!], NextSamples(), random.Next()), want, isTrusted, spot ? node : null);
        unit.Assigned.Add(node);
        units.Add(unit);
        return UnitAnswer.Assign(unit.Work);
    }

    /// <summary>
    /// <paramref name="node"/>'s update of unit <paramref name="unitId"/>, computed from <paramref name="modelVersions"/>
    /// on <paramref name="weight"/> samples. A replica computed from another model than the unit's is dropped (its place
    /// opens again) without counting against the node; a replica of a unit no longer open only counts as computed.
    /// </summary>
    public void Result(string node, long unitId, IReadOnlyList<long> modelVersions, float[] update, double weight)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(modelVersions);
        ArgumentNullException.ThrowIfNull(update);
        var unit = units.FirstOrDefault(u => u.Work.Id == unitId);
        if (unit is null || !unit.Assigned.Contains(node) || unit.HasResultOf(node))
        {
            if (unit is null && unitId > 0 && unitId <= nextUnit)
            {
                Count(settled: false, computed: 1); // a unit of a closed round: computed in vain
            }

            return;
        }

        Count(unit.Settled, computed: 1);
        if (unit.Decided)
        {
            return;
        }

        if (!modelVersions.SequenceEqual(unit.Work.Versions))
        {
            unit.Assigned.Remove(node);
            return;
        }

        unit.Results.Add((new Replica(node, update), weight));
        if (unit.Results.Count >= unit.Want)
        {
            Decide(unit, closing: false);
        }

        if (!closed && accepted.Count >= Settings.UnitsPerRound)
        {
            Close();
        }
    }

    /// <summary>Closes the round when it has been open for the round timeout at <paramref name="now"/>; true when it closed now.</summary>
    public bool Expire(TimeSpan now)
    {
        if (closed || versions is null || now - startedAt < Settings.RoundTimeout)
        {
            return false;
        }

        Close();
        return true;
    }

    /// <summary>The units accepted by the round that closed last, once (null when no round closed since the last call).</summary>
    public IReadOnlyList<AcceptedUnit>? TakeClosed()
    {
        var taken = handOver;
        handOver = null;
        return taken;
    }

    /// <summary>The observations of every node since the last call (votes won and lost, spot checks), once.</summary>
    public IReadOnlyDictionary<string, ReputationDelta> TakeObservations()
    {
        var taken = new Dictionary<string, ReputationDelta>(observed, StringComparer.Ordinal);
        observed.Clear();
        return taken;
    }

    // the most replicas a unit can get: one per trainer of the region
    private int MostReplicas => Settings.Trainers > 0 ? Settings.Trainers : int.MaxValue;

    private bool MovedPast(IReadOnlyList<long> modelVersions) =>
        appliedInRound == 0
            ? modelVersions.Count == versions!.Length
            : modelVersions.Count == versions!.Length && modelVersions.Select((v, i) => v > versions[i]).All(moved => moved);

    private void Begin(IReadOnlyList<long> modelVersions, TimeSpan now)
    {
        // what was still open of the previous round was abandoned when it closed
        units.Clear();
        accepted.Clear();
        versions = [.. modelVersions];
        startedAt = now;
        closed = false;
        appliedInRound = 0;
        Round++;
    }

    private void Decide(Unit unit, bool closing)
    {
        if (unit.Want == 1 && unit.Results.Count == 1)
        {
            // a trusted node alone: accepted unchecked (BOINC's adaptive replication)
            unit.Decided = true;
            Accept(unit, unit.Results[0].Replica.Update, unit.Results[0].Weight);
            return;
        }

        var vote = ReplicaVote.Vote([.. unit.Results.Select(r => r.Replica)], Settings.Tolerance);
        if (vote.Accepted is null)
        {
            if (!closing && unit.Spot is not null && unit.Want < 3 && MostReplicas >= 3)
            {
                unit.Want = 3; // the trusted node and its checker disagree: a third replica decides
                return;
            }

            unit.Decided = true;
            Counts = Counts with { Inconclusive = Counts.Inconclusive + 1 };
            return;
        }

        unit.Decided = true;
        foreach (var node in vote.Won)
        {
            Observe(node, node == unit.Spot ? new ReputationDelta(SpotChecksPassed: 1) : new ReputationDelta(VotesWon: 1));
        }

        foreach (var node in vote.Lost)
        {
            Observe(node, node == unit.Spot ? new ReputationDelta(SpotChecksFailed: 1) : new ReputationDelta(VotesLost: 1));
        }

        var weight = unit.Results.Where(r => vote.Won.Contains(r.Replica.Node)).Average(r => r.Weight);
        Accept(unit, vote.Accepted, weight);
    }

    private void Accept(Unit unit, float[] update, double weight)
    {
        accepted.Add(new AcceptedUnit(unit.Work, update, weight));
        Count(unit.Settled, applied: 1);
    }

    private void Close()
    {
        foreach (var unit in units.Where(u => !u.Decided))
        {
            if (unit.Results.Count >= 2)
            {
                Decide(unit, closing: true);
            }

            if (!unit.Decided)
            {
                unit.Decided = true;
                Counts = Counts with { Abandoned = Counts.Abandoned + 1 };
            }
        }

        closed = true;
        appliedInRound = accepted.Count;
        handOver = [.. accepted];
    }

    private void Observe(string node, ReputationDelta delta) =>
        observed[node] = observed.TryGetValue(node, out var known) ? known.Plus(delta) : delta;

    private void Count(bool settled, long computed = 0, long applied = 0) => Counts = Counts with
    {
        Computed = Counts.Computed + computed,
        Applied = Counts.Applied + applied,
        SettledComputed = Counts.SettledComputed + (settled ? computed : 0),
        SettledApplied = Counts.SettledApplied + (settled ? applied : 0),
    };

    // the next UnitSamples rows of a seeded permutation of the shared set (a fresh one each epoch)
    private int[] NextSamples()
    {
        var take = Math.Min(Settings.UnitSamples, datasetSize);
        var samples = new int[take];
        for (var i = 0; i < take; i++)
        {
            if (cursor >= order.Length)
            {
                order = [.. Enumerable.Range(0, datasetSize)];
                random.Shuffle(order);
                cursor = 0;
            }

            samples[i] = order[cursor++];
        }

        return samples;
    }

    private sealed class Unit(WorkUnit work, int want, bool settled, string? spot)
    {
        public WorkUnit Work { get; } = work;

        public int Want { get; set; } = want;

        // computed for a trusted node: what the job costs once reputations have settled
        public bool Settled { get; } = settled;

        // the trusted node a spot check checks
        public string? Spot { get; } = spot;

        public HashSet<string> Assigned { get; } = new(StringComparer.Ordinal);

        public List<(Replica Replica, double Weight)> Results { get; } = [];

        public bool Decided { get; set; }

        public bool HasResultOf(string node) => Results.Any(r => r.Replica.Node == node);
    }
}
