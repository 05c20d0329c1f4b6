using Akka.Cluster.Sharding;
using static EdgeTrain.Actors.Split.SplitProtocol;

namespace EdgeTrain.Actors.Split;

/// <summary>Routes <see cref="ISplitMessage"/>s to the split-server entity of their job (entity id: the job's id).</summary>
public sealed class SplitMessageExtractor : HashCodeMessageExtractor
{
    /// <summary>Creates the extractor for <paramref name="shardCount"/> shards.</summary>
    public SplitMessageExtractor(int shardCount) : base(shardCount)
    {
    }

    /// <inheritdoc />
    public override string EntityId(object message) => message is ISplitMessage m ? m.JobId : null!;
}
