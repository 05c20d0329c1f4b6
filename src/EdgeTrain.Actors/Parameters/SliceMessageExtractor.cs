using Akka.Cluster.Sharding;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Parameters;

/// <summary>Routes <see cref="IShardMessage"/>s to the entity <c>{jobId}:{slice}</c>, spread over a fixed number of shards by hash.</summary>
public sealed class SliceMessageExtractor : HashCodeMessageExtractor
{
    /// <summary>Creates the extractor for <paramref name="shardCount"/> shards.</summary>
    public SliceMessageExtractor(int shardCount) : base(shardCount)
    {
    }

    /// <inheritdoc />
    public override string EntityId(object message) =>
        message is IShardMessage m ? ParameterProtocol.EntityId(m.JobId, m.Slice) : null!;
}
