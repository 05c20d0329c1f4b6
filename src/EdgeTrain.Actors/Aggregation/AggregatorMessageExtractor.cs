using Akka.Cluster.Sharding;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;

namespace EdgeTrain.Actors.Aggregation;

/// <summary>Routes <see cref="IAggregatorMessage"/>s to the entity <c>{jobId}:{region}</c>.</summary>
public sealed class AggregatorMessageExtractor : HashCodeMessageExtractor
{
    /// <summary>Creates the extractor for <paramref name="shardCount"/> shards.</summary>
    public AggregatorMessageExtractor(int shardCount) : base(shardCount)
    {
    }

    /// <inheritdoc />
    public override string EntityId(object message) =>
        message is IAggregatorMessage m ? AggregationProtocol.EntityId(m.JobId, m.Region) : null!;
}
