using EdgeTrain.Core.Aggregation.Robust;
using EdgeTrain.Core.Codecs;

namespace EdgeTrain.Core.Jobs;

/// <summary>What a job sends over the network, and how often the aggregators merge.</summary>
/// <param name="TrainerToAggregator">Codec of the trainers' contributions.</param>
/// <param name="AggregatorToShard">Codec of the aggregators' merged updates.</param>
/// <param name="ErrorFeedback">Senders keep what a lossy codec dropped and add it to their next update.</param>
/// <param name="MergeCount">
/// Contributions to a slice merged into one update: a positive number, <see cref="NodeDefault"/>
/// (the aggregator nodes' <c>edgetrain.aggregation.merge-count</c>) or <see cref="TrainersInRegion"/>
/// (one merged update per round of the region's trainers, DiLoCo's outer step).
/// </param>
/// <param name="MergeInterval">Longest wait before a partial merge is sent; null: the aggregator nodes' <c>edgetrain.aggregation.merge-interval</c>.</param>
/// <param name="WaitForMerge">
/// Trainers start their next round only from slices that moved past the ones they contributed
/// from (synchronous rounds, as DiLoCo takes them; a missing trainer holds the others back at most
/// <paramref name="MergeInterval"/>). Off: they go on at once (asynchronous).
/// </param>
/// <param name="Rule">How a region merges one round of contributions (null: the weighted mean as they come).</param>
public sealed record CommunicationSpec(
    CodecSpec TrainerToAggregator,
    CodecSpec AggregatorToShard,
    bool ErrorFeedback = true,
    int MergeCount = CommunicationSpec.NodeDefault,
    TimeSpan? MergeInterval = null,
    bool WaitForMerge = false,
    AggregationRule? Rule = null)
{
    /// <summary>The merge rule (the weighted mean when none is given).</summary>
    public AggregationRule MergeRule => Rule ?? AggregationRule.Mean;

    /// <summary><see cref="MergeCount"/>: use the aggregator nodes' setting.</summary>
    public const int NodeDefault = 0;

    /// <summary><see cref="MergeCount"/>: as many as the trainers the job has in the region.</summary>
    public const int TrainersInRegion = -1;

    /// <summary>Dense float32 both ways, merge count from the nodes: plain asynchronous SGD traffic.</summary>
    public static CommunicationSpec Dense { get; } = new(new CodecSpec(CodecKind.None), new CodecSpec(CodecKind.None));

    /// <summary>The merge count for a region with <paramref name="trainers"/> trainers, given the nodes' default.</summary>
    public int MergeCountFor(int trainers, int nodeDefault) => MergeCount switch
    {
        TrainersInRegion => Math.Max(1, trainers),
        NodeDefault => nodeDefault,
        var n => n,
    };
}
