using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Aggregation.Robust;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Redundancy;

namespace EdgeTrain.Actors.Aggregation;

/// <summary>
/// Messages of the RegionAggregator entities (one per job and region; entity id
/// <c>{jobId}:{region}</c>). <see cref="Contribution"/> travels through the binary tensor serializer.
/// </summary>
public static class AggregationProtocol
{
    /// <summary>A message routed to one region's aggregator entity.</summary>
    public interface IAggregatorMessage
    {
        /// <summary>The job.</summary>
        string JobId { get; }

        /// <summary>The region the aggregator serves.</summary>
        string Region { get; }
    }

    /// <summary>Entity id of a region's aggregator: <c>{jobId}:{region}</c>.</summary>
    public static string EntityId(string jobId, string region) => $"{jobId}:{region}";

    /// <summary>
    /// Tells the aggregator the job's slice lengths, merge policy and merged-update codec (idempotent;
    /// the coordinator sends it every second, and a changed <paramref name="MergeCount"/> or
    /// <paramref name="Share"/> applies at once). <paramref name="Share"/> scales every merged update
    /// (see <see cref="Core.Aggregation.RegionMerge.Share"/>). <paramref name="Rule"/> is how a round is
    /// merged (null: the weighted mean as contributions come); <paramref name="Quarantined"/> are the
    /// trainer nodes (addresses) whose contributions are dropped. <paramref name="Vote"/>: a shared-data job's
    /// redundant execution (null: none), with the <paramref name="Trusted"/> trainer nodes (addresses) that work alone.
    /// </summary>
    public sealed record ConfigureAggregator(
        string JobId, string Region, int[] SliceLengths, int MergeCount, TimeSpan MergeInterval, CodecSpec? MergedCodec = null, bool ErrorFeedback = true, float Share = 1f,
        AggregationRule? Rule = null, string[]? Quarantined = null, VoteSettings? Vote = null, string[]? Trusted = null) : IAggregatorMessage, IEdgeTrainMessage
    {
        /// <summary>Secure aggregation (null: off): each trainer's update value clipped to ± this, summed in masked rounds (<see cref="SecureAggregationActor"/>).</summary>
        public double? SecureRange { get; init; }

        /// <summary>With secure aggregation: the trainers' codec quantises (fp16, bf16, int8), so rounds may send 16-bit words.</summary>
        public bool SecureQuantised { get; init; }
    }

    /// <summary>
    /// A trainer of a shared-data job holding the model at <paramref name="Versions"/> (one per slice) and a shared
    /// training set of <paramref name="Samples"/> rows asks for a work unit; answered by <see cref="UnitAssigned"/> or <see cref="NoUnit"/>.
    /// </summary>
    public sealed record RequestUnit(string JobId, string Region, long[] Versions, int Samples) : IAggregatorMessage, IEdgeTrainMessage;

    /// <summary>Compute <paramref name="Unit"/> and answer with <see cref="UnitResult"/>.</summary>
    public sealed record UnitAssigned(string JobId, WorkUnit Unit) : IEdgeTrainMessage;

    /// <summary>No unit now (<paramref name="Reason"/>): pull the model again and ask again shortly.</summary>
    public sealed record NoUnit(string JobId, string Reason) : IEdgeTrainMessage;

    /// <summary>
    /// A trainer's whole update of unit <paramref name="UnitId"/> (dense float32, every slice in order), computed from the model
    /// at <paramref name="Versions"/> on <paramref name="Weight"/> samples; voted on against the unit's other replicas.
    /// </summary>
    public sealed record UnitResult(string JobId, string Region, long UnitId, long[] Versions, double Weight, float[] Update) : IAggregatorMessage, IEdgeTrainMessage;

    /// <summary>The aggregator is configured for the job.</summary>
    public sealed record AggregatorConfigured(string JobId, string Region) : IEdgeTrainMessage;

    /// <summary>
    /// A trainer's update of one slice: computed from the slice at <paramref name="BaseVersion"/>,
    /// weighted by <paramref name="Weight"/> (the samples it was computed on). <paramref name="Payload"/>
    /// is encoded with the job's trainer-to-aggregator codec (its first byte names the codec; see
    /// <see cref="Core.Codecs.CodecKind"/>). Binary tensor payload.
    /// </summary>
    public sealed record Contribution(string JobId, string Region, int Slice, long BaseVersion, double Weight, byte[] Payload) : IAggregatorMessage, ITensorMessage;

    /// <summary>The contribution was refused (unknown job or slice, wrong length, NaN or ±Inf) and never merged.</summary>
    public sealed record ContributionRejected(string JobId, string Region, int Slice, string Reason) : IEdgeTrainMessage;

    /// <summary>Asks the aggregator for its counters.</summary>
    public sealed record GetAggregatorStats(string JobId, string Region) : IAggregatorMessage, IEdgeTrainMessage;

    /// <summary>An aggregator's counters; bytes are tensor payload bytes.</summary>
    public sealed record AggregatorStats(
        string JobId, string Region, long Accepted, long Rejected, long MergedSent, long Acknowledged, int Pending, long BytesIn, long BytesOut) : IEdgeTrainMessage;
}
