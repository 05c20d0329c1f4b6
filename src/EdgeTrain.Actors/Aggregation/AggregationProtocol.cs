using EdgeTrain.Actors.Serialization;
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

    /// <summary>Tells the aggregator the job's slice lengths and merge policy (idempotent).</summary>
    public sealed record ConfigureAggregator(string JobId, string Region, int[] SliceLengths, int MergeCount, TimeSpan MergeInterval) : IAggregatorMessage, IEdgeTrainMessage;

    /// <summary>The aggregator is configured for the job.</summary>
    public sealed record AggregatorConfigured(string JobId, string Region) : IEdgeTrainMessage;

    /// <summary>
    /// A trainer's update of one slice: computed from the slice at <paramref name="BaseVersion"/>,
    /// weighted by <paramref name="Weight"/> (the samples it was computed on). Binary tensor payload.
    /// </summary>
    public sealed record Contribution(string JobId, string Region, int Slice, long BaseVersion, double Weight, float[] Payload) : IAggregatorMessage, ITensorMessage;

    /// <summary>The contribution was refused (unknown job or slice, wrong length, NaN or ±Inf) and never merged.</summary>
    public sealed record ContributionRejected(string JobId, string Region, int Slice, string Reason) : IEdgeTrainMessage;

    /// <summary>Asks the aggregator for its counters.</summary>
    public sealed record GetAggregatorStats(string JobId, string Region) : IAggregatorMessage, IEdgeTrainMessage;

    /// <summary>An aggregator's counters; bytes are tensor payload bytes.</summary>
    public sealed record AggregatorStats(
        string JobId, string Region, long Accepted, long Rejected, long MergedSent, long Acknowledged, int Pending, long BytesIn, long BytesOut) : IEdgeTrainMessage;
}
