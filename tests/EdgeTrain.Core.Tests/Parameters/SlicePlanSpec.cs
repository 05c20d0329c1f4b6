using EdgeTrain.Core.Parameters;

namespace EdgeTrain.Core.Tests.Parameters;

public sealed class SlicePlanSpec
{
    [Fact]
    public void Slices_cover_the_vector_once_and_only_the_last_is_short()
    {
        var plan = new SlicePlan(totalFloats: 203_530, sliceFloats: 65_536);

        Assert.Equal(4, plan.Count);
        Assert.Equal([65_536, 65_536, 65_536, 6_922], plan.Slices.Select(s => s.Length));
        Assert.Equal(0, plan[0].Offset);
        for (var i = 1; i < plan.Count; i++)
        {
            Assert.Equal(plan[i - 1].End, plan[i].Offset);
            Assert.Equal(i, plan[i].Index);
        }

        Assert.Equal(203_530, plan.Slices[^1].End);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(10, 10, 1)]
    [InlineData(11, 10, 2)]
    [InlineData(262_144, SlicePlan.DefaultSliceFloats, 1)]
    [InlineData(1_199_882, SlicePlan.DefaultSliceFloats, 5)]
    public void Slice_count_is_the_ceiling_of_total_over_slice_size(int total, int sliceFloats, int expected) =>
        Assert.Equal(expected, new SlicePlan(total, sliceFloats).Count);

    [Fact]
    public void Cutting_and_copying_back_restores_the_vector_exactly()
    {
        var flat = Enumerable.Range(0, 1_000).Select(i => i * 0.5f - 17f).ToArray();
        var plan = new SlicePlan(flat.Length, 96);
        var rebuilt = new float[flat.Length];

        for (var i = 0; i < plan.Count; i++)
        {
            var slice = plan.Of((ReadOnlySpan<float>)flat, i).ToArray();
            plan.CopyInto(rebuilt, i, slice);
        }

        Assert.Equal(flat, rebuilt);
    }

    [Fact]
    public void SliceOf_finds_the_slice_holding_an_offset()
    {
        var plan = new SlicePlan(100, 30);

        Assert.Equal(0, plan.SliceOf(0));
        Assert.Equal(0, plan.SliceOf(29));
        Assert.Equal(1, plan.SliceOf(30));
        Assert.Equal(3, plan.SliceOf(99));
        Assert.Throws<ArgumentOutOfRangeException>(() => plan.SliceOf(100));
    }

    [Fact]
    public void A_slice_of_the_wrong_length_or_a_vector_of_another_plan_is_refused()
    {
        var plan = new SlicePlan(100, 30);

        Assert.Throws<ArgumentException>(() => plan.CopyInto(new float[100], 3, new float[30]));
        Assert.Throws<ArgumentException>(() => plan.Of(new float[99].AsSpan(), 0).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlicePlan(0, 30));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlicePlan(10, 0));
    }
}
