using System.Globalization;

namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>
/// An aggregator's secure rounds so far: rounds whose sum was recovered and merged, rounds aborted (too
/// few left), dropouts whose masks were removed with their recovered keys, the protocol's payload bytes
/// (keys, rosters, encrypted shares both ways, masked vectors, unmask requests and revealed shares) and
/// what the same survivors would have sent in a plain round of the job's codec, and seconds spent in
/// merged rounds from roster to sum.
/// </summary>
public sealed record SecureAggregationCounts(long Rounds, long Aborted, long RecoveredDropouts, long SecureBytes, long PlainBytes, double RoundSeconds)
{
    /// <summary>No rounds.</summary>
    public static readonly SecureAggregationCounts None = new(0, 0, 0, 0, 0, 0);

    /// <summary>Bytes of a secure round ÷ a plain round's (null before the first merged round).</summary>
    public double? Expansion => PlainBytes > 0 ? (double)SecureBytes / PlainBytes : null;

    /// <summary>Mean seconds from roster to sum of a merged round (null before the first).</summary>
    public double? SecondsPerRound => Rounds > 0 ? RoundSeconds / Rounds : null;

    /// <summary>Both counts added (two aggregators of one job).</summary>
    public SecureAggregationCounts Plus(SecureAggregationCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Rounds + other.Rounds, Aborted + other.Aborted, RecoveredDropouts + other.RecoveredDropouts,
            SecureBytes + other.SecureBytes, PlainBytes + other.PlainBytes, RoundSeconds + other.RoundSeconds);
    }

    /// <summary>One line for <c>job show</c> and the console.</summary>
    public string Describe() => Rounds == 0
        ? string.Create(CultureInfo.InvariantCulture, $"no secure round merged yet ({Aborted} aborted)")
        : string.Create(CultureInfo.InvariantCulture,
            $"{Rounds} secure rounds merged, {Aborted} aborted, {RecoveredDropouts} dropouts recovered; {Expansion ?? 0:0.00}× the bytes of plain rounds; {SecondsPerRound ?? 0:0.00} s per round");
}
