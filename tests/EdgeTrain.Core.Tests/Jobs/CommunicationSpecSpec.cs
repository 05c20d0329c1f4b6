using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Core.Tests.Jobs;

public sealed class CommunicationSpecSpec
{
    [Theory]
    [InlineData(CommunicationSpec.NodeDefault, 3, 2, 2)]
    [InlineData(CommunicationSpec.TrainersInRegion, 3, 2, 3)]
    [InlineData(CommunicationSpec.TrainersInRegion, 0, 2, 1)]
    [InlineData(5, 3, 2, 5)]
    public void The_merge_count_follows_the_rule(int rule, int trainers, int nodeDefault, int expected) =>
        Assert.Equal(expected, (CommunicationSpec.Dense with { MergeCount = rule }).MergeCountFor(trainers, nodeDefault));

    [Fact]
    public void Dense_is_raw_floats_both_ways_asynchronous()
    {
        Assert.Equal(CodecKind.None, CommunicationSpec.Dense.TrainerToAggregator.Kind);
        Assert.Equal(CodecKind.None, CommunicationSpec.Dense.AggregatorToShard.Kind);
        Assert.False(CommunicationSpec.Dense.WaitForMerge);
        Assert.Null(CommunicationSpec.Dense.MergeInterval);
    }
}
