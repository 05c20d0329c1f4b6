using EdgeTrain.Core.Codecs;

namespace EdgeTrain.Core.Tests.Codecs;

public sealed class SparseValuesSpec
{
    [Fact]
    public void Gathered_values_overwrite_only_their_positions_bit_for_bit()
    {
        float[] slice = [1f, -0f, 3.25f, float.Epsilon, 5f];
        var payload = SparseValues.Gather(slice, [1, 3, 4]);
        float[] copy = [9f, 9f, 9f, 9f, 9f];

        SparseValues.ScatterInto(payload, copy, "test");

        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(copy[1]));
        Assert.Equal([9f, -0f, 9f, float.Epsilon, 5f], copy);
        Assert.Equal((byte)CodecKind.TopK, payload[0]);
    }

    [Fact]
    public void No_positions_make_a_payload_that_changes_nothing()
    {
        float[] copy = [1f, 2f];

        SparseValues.ScatterInto(SparseValues.Gather([5f, 6f], []), copy, "test");

        Assert.Equal([1f, 2f], copy);
    }

    [Theory]
    [InlineData(new[] { 2, 1 })]
    [InlineData(new[] { 1, 1 })]
    [InlineData(new[] { 3 })]
    [InlineData(new[] { -1 })]
    public void Positions_out_of_order_repeated_or_out_of_range_are_refused(int[] indices) =>
        Assert.Throws<ArgumentException>(() => SparseValues.Gather([1f, 2f, 3f], indices));

    [Fact]
    public void A_payload_for_another_length_or_with_a_bad_index_changes_nothing()
    {
        float[] copy = [1f, 2f, 3f];
        var shorter = SparseValues.Gather([7f, 8f], [1]);
        var bad = SparseValues.Gather([7f, 8f, 9f], [2]);
        bad[9] = 3; // the one index: 3 of 3

        var wrongLength = Assert.Throws<InvalidInputException>(() => SparseValues.ScatterInto(shorter, copy, "changes to slice 0"));
        var outOfRange = Assert.Throws<InvalidInputException>(() => SparseValues.ScatterInto(bad, copy, "changes to slice 0"));

        Assert.Contains("changes to slice 0", wrongLength.Message, StringComparison.Ordinal);
        Assert.Contains("header says 2 elements; the destination holds 3", wrongLength.Message, StringComparison.Ordinal);
        Assert.Contains("out of range", outOfRange.Message, StringComparison.Ordinal);
        Assert.Equal([1f, 2f, 3f], copy);
    }
}
