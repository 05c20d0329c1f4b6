using System.Globalization;

namespace EdgeTrain.Core.Reputation;

/// <summary>
/// How a record becomes a score and when a node is quarantined (<c>edgetrain.reputation</c> in
/// reference.conf). The score is the expected probability of good conduct under a Beta prior, with bad
/// observations weighing <paramref name="BadWeight"/> times a good one:
/// <c>(1 + good) / (2 + good + BadWeight·bad)</c> — 0.5 for a node never seen, towards 1 with a clean
/// record, towards 0 with a bad one. A node is quarantined when its score falls below
/// <paramref name="QuarantineBelow"/> once it has at least <paramref name="MinimumBad"/> bad
/// observations, so that a few left-out rounds of an honest node on unusual data never do it.
/// Adaptive replication: a node with at least <paramref name="TrustedAfter"/> good observations and a
/// score of at least <paramref name="TrustedScore"/> works alone (R = 1) with spot checks; others
/// get <paramref name="Replicas"/> copies.
/// </summary>
public sealed record ReputationPolicy(
    double BadWeight = 4,
    double QuarantineBelow = 0.3,
    long MinimumBad = 5,
    long TrustedAfter = 20,
    double TrustedScore = 0.9,
    int Replicas = 3)
{
    /// <summary>The defaults of reference.conf.</summary>
    public static ReputationPolicy Default { get; } = new();

    /// <summary>A record's score in (0, 1).</summary>
    public double Score(ReputationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return (1.0 + record.Good) / (2.0 + record.Good + (BadWeight * record.Bad));
    }

    /// <summary>Why the node should be quarantined now (null: it should not).</summary>
    public string? QuarantineReason(ReputationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var score = Score(record);
        return !record.Quarantined && record.Bad >= MinimumBad && score < QuarantineBelow
            ? string.Create(CultureInfo.InvariantCulture,
                $"score {score:0.###} below {QuarantineBelow} after {record.Bad} bad observations ({record.LeftOut} left out, {record.VotesLost} votes lost, {record.Refused} refused, {record.SpotChecksFailed} spot checks failed) against {record.Good} good")
            : null;
    }

    /// <summary>Whether the node has earned working alone (R = 1) with spot checks.</summary>
    public bool Trusted(ReputationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return !record.Quarantined && record.Good >= TrustedAfter && Score(record) >= TrustedScore;
    }

    /// <summary>How many copies of a work unit a node of this record needs (1 when trusted, else <see cref="Replicas"/>).</summary>
    public int ReplicasFor(ReputationRecord record) => Trusted(record) ? 1 : Replicas;
}
