using EdgeTrain.Core.Parameters;

namespace EdgeTrain.Core.Tests.Parameters;

public sealed class AppliedSequencesSpec
{
    [Fact]
    public void A_new_tracker_has_applied_nothing()
    {
        var applied = new AppliedSequences();

        Assert.Equal(0, applied.Contiguous);
        Assert.Empty(applied.Above);
        Assert.False(applied.Contains(1));
    }

    [Fact]
    public void In_order_sequences_advance_the_watermark_one_by_one()
    {
        var applied = new AppliedSequences();

        for (var sequence = 1L; sequence <= 5; sequence++)
        {
            Assert.True(applied.Add(sequence));
            Assert.Equal(sequence, applied.Contiguous);
            Assert.Empty(applied.Above);
        }

        Assert.True(applied.Contains(1));
        Assert.True(applied.Contains(5));
        Assert.False(applied.Contains(6));
    }

    [Fact]
    public void Out_of_order_sequences_wait_above_the_watermark_until_the_gap_fills()
    {
        var applied = new AppliedSequences();

        Assert.True(applied.Add(3));
        Assert.True(applied.Add(5));
        Assert.True(applied.Add(4));

        Assert.Equal(0, applied.Contiguous);
        Assert.Equal([3L, 4L, 5L], applied.Above);
        Assert.True(applied.Contains(4));
        Assert.False(applied.Contains(2));

        Assert.True(applied.Add(1));
        Assert.Equal(1, applied.Contiguous);
        Assert.Equal([3L, 4L, 5L], applied.Above);

        Assert.True(applied.Add(2));
        Assert.Equal(5, applied.Contiguous);
        Assert.Empty(applied.Above);
    }

    [Fact]
    public void Filling_one_gap_stops_at_the_next_gap()
    {
        var applied = new AppliedSequences();
        foreach (var sequence in new long[] { 2, 3, 5, 6 })
        {
            applied.Add(sequence);
        }

        applied.Add(1);

        Assert.Equal(3, applied.Contiguous);
        Assert.Equal([5L, 6L], applied.Above);
        Assert.False(applied.Contains(4));
    }

    [Fact]
    public void Adding_a_sequence_twice_returns_false_the_second_time()
    {
        var applied = new AppliedSequences();

        Assert.True(applied.Add(1));
        Assert.True(applied.Add(3));

        Assert.False(applied.Add(1));
        Assert.False(applied.Add(3));
        Assert.Equal(1, applied.Contiguous);
        Assert.Equal([3L], applied.Above);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void Adding_a_sequence_below_one_throws(long sequence) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AppliedSequences().Add(sequence));

    [Fact]
    public void Restoring_from_a_snapshot_keeps_the_watermark_and_the_early_arrivals()
    {
        var applied = new AppliedSequences(contiguous: 7, above: [9, 12]);

        Assert.Equal(7, applied.Contiguous);
        Assert.Equal([9L, 12L], applied.Above);
        Assert.True(applied.Contains(7));
        Assert.True(applied.Contains(9));
        Assert.False(applied.Contains(8));
        Assert.False(applied.Add(3));
        Assert.False(applied.Add(12));

        Assert.True(applied.Add(8));
        Assert.Equal(9, applied.Contiguous);
        Assert.Equal([12L], applied.Above);
    }

    [Fact]
    public void Restoring_drops_sequences_already_under_the_watermark()
    {
        var applied = new AppliedSequences(contiguous: 5, above: [2, 5, 10]);

        Assert.Equal(5, applied.Contiguous);
        Assert.Equal([10L], applied.Above);
    }

    [Fact]
    public void A_snapshot_taken_after_out_of_order_adds_restores_the_same_tracker()
    {
        var original = new AppliedSequences();
        foreach (var sequence in new long[] { 1, 2, 4, 7 })
        {
            original.Add(sequence);
        }

        var restored = new AppliedSequences(original.Contiguous, original.Above);

        Assert.Equal(original.Contiguous, restored.Contiguous);
        Assert.Equal(original.Above, restored.Above);
        for (var sequence = 1L; sequence <= 8; sequence++)
        {
            Assert.Equal(original.Contains(sequence), restored.Contains(sequence));
        }
    }

    [Fact]
    public void Restoring_with_no_early_arrivals_accepts_null()
    {
        var applied = new AppliedSequences(3, null!);

        Assert.Equal(3, applied.Contiguous);
        Assert.Empty(applied.Above);
    }
}
