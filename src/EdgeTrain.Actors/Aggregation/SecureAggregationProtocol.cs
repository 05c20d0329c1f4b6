using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Privacy.SecureAggregation;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;

namespace EdgeTrain.Actors.Aggregation;

/// <summary>
/// The messages of a secure round between a region's trainers and its aggregator (a job with
/// <c>privacy.secure-aggregation = on</c>; see <see cref="SecureAggregationActor"/>), in their order:
/// join with keys → roster → encrypted shares → the shares for each holder → masked vector → unmask
/// request → revealed shares → round ended. Trainers send to the aggregator through the aggregators'
/// shard region; the aggregator answers each trainer directly. A trainer names itself by its index in
/// the roster and the aggregator checks that the sender is the trainer that joined at that index.
/// </summary>
public static class SecureAggregationProtocol
{
    /// <summary>A trainer has an update and joins the region's next secure round with fresh keys.</summary>
    public sealed record SecureJoin(string JobId, string Region, ParticipantKeys Keys) : IAggregatorMessage, IEdgeTrainMessage;

    /// <summary>The round's roster is fixed; the trainer is participant <paramref name="Index"/>.</summary>
    public sealed record SecureRosterFixed(string JobId, SecureRoster Roster, int Index) : IEdgeTrainMessage;

    /// <summary>A participant's shares, one box encrypted for each neighbour (by index).</summary>
    public sealed record SecureShares(string JobId, string Region, string RoundId, int Index, Dictionary<int, byte[]> Boxes) : IAggregatorMessage, IEdgeTrainMessage;

    /// <summary>The boxes addressed to this participant by the neighbours whose shares came in time (by sender).</summary>
    public sealed record SecureSharesFor(string JobId, string RoundId, Dictionary<int, byte[]> Boxes) : IEdgeTrainMessage;

    /// <summary>
    /// A participant's masked vector (little-endian fixed-point words); <paramref name="PlainBytes"/>: what its
    /// update would have weighed as plain contributions with the job's codec (for the expansion figure).
    /// </summary>
    public sealed record SecureMasked(string JobId, string Region, string RoundId, int Index, byte[] Words, double Weight, long PlainBytes) : IAggregatorMessage, IEdgeTrainMessage;

    /// <summary>The vectors are in: reveal the shares of the survivors' self seeds and the dropouts' mask keys.</summary>
    public sealed record SecureUnmask(string JobId, string RoundId, int[] Survivors, int[] Dropped) : IEdgeTrainMessage;

    /// <summary>A survivor's revealed shares.</summary>
    public sealed record SecureRevealed(string JobId, string Region, string RoundId, int Index, SecureReveal Reveal) : IAggregatorMessage, IEdgeTrainMessage;

    /// <summary>The round is over: its sum was merged (<paramref name="Merged"/>), or it aborted for <paramref name="Reason"/>; pull and train again.</summary>
    public sealed record SecureRoundEnded(string JobId, string RoundId, bool Merged, string? Reason) : IEdgeTrainMessage;
}
