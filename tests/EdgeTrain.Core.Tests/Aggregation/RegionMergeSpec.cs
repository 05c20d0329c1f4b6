using EdgeTrain.Core.Aggregation;
using static EdgeTrain.Tests.FloatData;

namespace EdgeTrain.Core.Tests.Aggregation;

public sealed class RegionMergeSpec
{
    private static readonly DateTime T0 = new(2025, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static readonly int[] Lengths = [3, 2, 4];

    private static RegionMerge Merge(int mergeCount = 2, double exponent = 0.5) => new(Lengths, mergeCount, exponent);

    [Fact]
    public void A_new_merge_has_nothing_pending_and_knows_version_zero()
    {
        var merge = Merge(mergeCount: 3, exponent: 0.25);

        Assert.Equal(3, merge.SliceCount);
        Assert.Equal(3, merge.MergeCount);
        Assert.Equal(0.25, merge.StalenessExponent);
        Assert.Equal(0, merge.PendingCount);
        Assert.Empty(merge.SlicesWithContributions);
        Assert.All(Enumerable.Range(0, 3), s => Assert.Equal(0, merge.KnownVersion(s)));
        Assert.All(Enumerable.Range(0, 3), s => Assert.False(merge.Ready(s)));
        Assert.All(Enumerable.Range(0, 3), s => Assert.Null(merge.Flush(s, T0)));
    }

    [Fact]
    public void A_partial_merge_is_due_a_merge_interval_after_the_slice_s_first_waiting_contribution_not_at_a_timer_s_tick()
    {
        var merge = Merge(mergeCount: 5);
        var interval = TimeSpan.FromSeconds(5);

        Assert.Null(merge.Add(0, 0, 64, Raw(1f, 2f, 3f), trainer: "a", receivedUtc: T0));
        Assert.Null(merge.Add(0, 0, 64, Raw(1f, 2f, 3f), trainer: "b", receivedUtc: T0.AddSeconds(4)));
        Assert.Null(merge.Add(1, 0, 64, Raw(1f, 2f), trainer: "a", receivedUtc: T0.AddSeconds(4)));

        Assert.Empty(merge.SlicesDue(T0.AddSeconds(4) - interval)); // a round under way is not cut
        Assert.Equal([0], merge.SlicesDue(T0.AddSeconds(5) - interval));
        Assert.NotNull(merge.Flush(0, T0.AddSeconds(5)));
        Assert.Null(merge.Add(0, 0, 64, Raw(1f, 2f, 3f), trainer: "c", receivedUtc: T0.AddSeconds(6)));
        Assert.Equal([1], merge.SlicesDue(T0.AddSeconds(9) - interval)); // slice 0 waits afresh from its next contribution
        Assert.Equal([0, 1], merge.SlicesDue(T0.AddSeconds(11) - interval));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_merge_count_below_one_is_refused(int mergeCount) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RegionMerge([3], mergeCount, 0.5));

    [Fact]
    public void Slice_lengths_are_required() =>
        Assert.Throws<ArgumentNullException>(() => new RegionMerge(null!, 2, 0.5));

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void A_contribution_to_an_unknown_slice_is_refused(int slice)
    {
        var merge = Merge(mergeCount: 1);

        var reason = merge.Add(slice, 0, 32, [1f, 2f, 3f]);

        Assert.Equal($"slice {slice} does not exist; the job has slices 0 to 2", reason);
        Assert.Empty(merge.SlicesWithContributions);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public void A_contribution_of_the_wrong_length_is_refused(int length)
    {
        var merge = Merge(mergeCount: 1);

        var reason = merge.Add(0, 0, 32, new float[length]);

        Assert.Equal($"slice 0 (3 floats): contribution: None payload: header says {length} elements; the destination holds 3", reason);
        Assert.False(merge.Ready(0));
        Assert.Null(merge.Flush(0, T0));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void A_contribution_without_a_positive_finite_weight_is_refused(double weight)
    {
        var merge = Merge(mergeCount: 1);

        var reason = merge.Add(1, 0, weight, [1f, 2f]);

        Assert.NotNull(reason);
        Assert.StartsWith("weight ", reason, StringComparison.Ordinal);
        Assert.EndsWith("; expected a positive number of samples", reason, StringComparison.Ordinal);
        Assert.Empty(merge.SlicesWithContributions);
    }

    [Theory]
    [InlineData(float.NaN, 0)]
    [InlineData(float.PositiveInfinity, 2)]
    [InlineData(float.NegativeInfinity, 3)]
    public void A_contribution_with_a_non_finite_value_is_refused_naming_it(float bad, int index)
    {
        var merge = Merge(mergeCount: 1);
        var payload = Ramp(4, 1, 1);
        payload[index] = bad;

        var reason = merge.Add(2, 0, 32, payload);

        Assert.NotNull(reason);
        Assert.StartsWith($"value {index} is ", reason, StringComparison.Ordinal);
        Assert.EndsWith("; expected finite numbers", reason, StringComparison.Ordinal);
        Assert.Empty(merge.SlicesWithContributions);
    }

    [Fact]
    public void A_refused_contribution_leaves_the_accepted_ones_alone()
    {
        var merge = Merge(mergeCount: 2);
        Assert.Null(merge.Add(0, 0, 1, [2f, 4f, 6f]));

        Assert.NotNull(merge.Add(0, 0, 1, [float.NaN, 0f, 0f]));
        Assert.NotNull(merge.Add(0, 0, 0, [100f, 100f, 100f]));
        Assert.NotNull(merge.Add(0, 0, 1, [100f, 100f]));

        Assert.False(merge.Ready(0));
        var update = merge.Flush(0, T0);
        Assert.NotNull(update);
        Assert.Equal([2f, 4f, 6f], Decoded(update.Payload));
    }

    [Fact]
    public void A_slice_is_ready_after_merge_count_contributions()
    {
        var merge = Merge(mergeCount: 3);

        Assert.Null(merge.Add(1, 0, 1, [1f, 1f]));
        Assert.False(merge.Ready(1));
        Assert.Null(merge.Add(1, 0, 1, [1f, 1f]));
        Assert.False(merge.Ready(1));
        Assert.Equal([1], merge.SlicesWithContributions);
        Assert.Null(merge.Add(1, 0, 1, [1f, 1f]));

        Assert.True(merge.Ready(1));
        Assert.False(merge.Ready(0));
        Assert.False(merge.Ready(2));
    }

    [Fact]
    public void Flush_gives_the_weighted_average_and_empties_the_slice()
    {
        var merge = Merge(mergeCount: 2);
        merge.Add(0, 0, 1, [1f, 2f, 3f]);
        merge.Add(0, 0, 3, [5f, 6f, 7f]);

        var update = merge.Flush(0, T0);

        Assert.NotNull(update);
        Assert.Equal(0, update.Slice);
        Assert.Equal(1, update.Sequence);
        Assert.Equal(T0, update.SentUtc);
        // (1 × [1, 2, 3] + 3 × [5, 6, 7]) / 4
        Assert.Equal([4f, 5f, 6f], Decoded(update.Payload));
        Assert.False(merge.Ready(0));
        Assert.Empty(merge.SlicesWithContributions);
        Assert.Null(merge.Flush(0, T0));
        Assert.Equal(1, merge.PendingCount);
    }

    [Fact]
    public void A_stale_contribution_is_discounted_by_its_staleness()
    {
        var merge = Merge(mergeCount: 2, exponent: 0.5);
        Assert.False(merge.Acknowledge(0, 99, 3));
        Assert.Equal(3, merge.KnownVersion(0));

        // 3 versions behind: weight 8 / (1 + 3)^0.5 = 4; current: weight 4 / 1^0.5 = 4
        merge.Add(0, 0, 8, [1f, 2f, 3f]);
        merge.Add(0, 3, 4, [5f, 6f, 7f]);
        var update = merge.Flush(0, T0);

        Assert.NotNull(update);
        Assert.Equal([3f, 4f, 5f], Decoded(update.Payload));
    }

    [Fact]
    public void A_contribution_based_on_a_newer_version_than_known_is_not_stale()
    {
        var merge = Merge(mergeCount: 2, exponent: 1);
        merge.Acknowledge(1, 99, 2);

        // base 7 is ahead of the known version 2: staleness 0, full weight
        merge.Add(1, 7, 1, [0f, 0f]);
        merge.Add(1, 2, 1, [2f, 4f]);

        Assert.Equal([1f, 2f], Decoded(merge.Flush(1, T0)!.Payload));
    }

    [Fact]
    public void The_merged_update_matches_the_accumulator_and_staleness_math_bit_for_bit()
    {
        const double exponent = 0.5;
        var merge = Merge(mergeCount: 4, exponent: exponent);
        merge.Acknowledge(2, 99, 5);
        var random = new Random(7);
        var contributions = new (long BaseVersion, double Weight, float[] Payload)[]
        {
            (5, 32, Ramp(4, -1, 0.5f)),
            (4, 64, Ramp(4, 2, -0.25f)),
            (0, 16, Enumerable.Range(0, 4).Select(_ => (random.NextSingle() * 2) - 1).ToArray()),
            (9, 8, Enumerable.Range(0, 4).Select(_ => (random.NextSingle() * 2) - 1).ToArray()),
        };
        var reference = new SliceAccumulator(4);

        foreach (var (baseVersion, weight, payload) in contributions)
        {
            Assert.Null(merge.Add(2, baseVersion, weight, payload));
            reference.Add(payload, StalenessWeight.Of(weight, Math.Max(0, 5 - baseVersion), exponent));
        }

        Assert.True(merge.Ready(2));
        var update = merge.Flush(2, T0);
        Assert.NotNull(update);
        AssertBitwiseEqual(reference.TakeAverage(), Decoded(update.Payload));

        // and by hand, in doubles: weights 32, 64 / 2^0.5, 16 / 6^0.5, 8
        double[] weights = [32, 64 / Math.Sqrt(2), 16 / Math.Sqrt(6), 8];
        var merged = Decoded(update.Payload);
        for (var i = 0; i < 4; i++)
        {
            var expected = Enumerable.Range(0, 4).Sum(k => weights[k] * contributions[k].Payload[i]) / weights.Sum();
            Assert.True(Math.Abs(expected - merged[i]) <= 1e-5, $"value {i}: {merged[i]} vs {expected}");
        }
    }

    [Fact]
    public void Sequence_numbers_start_at_one_and_grow_per_slice()
    {
        var merge = Merge(mergeCount: 1);
        var sequences = new List<(int Slice, long Sequence)>();

        foreach (var slice in new[] { 0, 0, 1, 0, 2, 1 })
        {
            merge.Add(slice, 0, 1, new float[Lengths[slice]]);
            var update = merge.Flush(slice, T0);
            Assert.NotNull(update);
            sequences.Add((update.Slice, update.Sequence));
        }

        Assert.Equal([(0, 1L), (0, 2L), (1, 1L), (0, 3L), (2, 1L), (1, 2L)], sequences);
        Assert.Equal(6, merge.PendingCount);
    }

    [Fact]
    public void Acknowledging_removes_the_pending_update_and_raises_the_known_version()
    {
        var merge = Merge(mergeCount: 1);
        merge.Add(0, 0, 1, [1f, 1f, 1f]);
        merge.Flush(0, T0);
        merge.Add(0, 0, 1, [1f, 1f, 1f]);
        merge.Flush(0, T0);
        Assert.Equal(2, merge.PendingCount);

        Assert.True(merge.Acknowledge(0, 1, 7));

        Assert.Equal(1, merge.PendingCount);
        Assert.Equal(7, merge.KnownVersion(0));
        Assert.Equal(0, merge.KnownVersion(1));
        Assert.Equal([2L], merge.DueForResend(T0.AddSeconds(1), T0.AddSeconds(1)).Select(u => u.Sequence));
    }

    [Fact]
    public void Acknowledging_again_or_an_older_version_changes_nothing_but_is_not_pending()
    {
        var merge = Merge(mergeCount: 1);
        merge.Add(1, 0, 1, [1f, 1f]);
        merge.Flush(1, T0);
        Assert.True(merge.Acknowledge(1, 1, 5));

        Assert.False(merge.Acknowledge(1, 1, 5));
        Assert.False(merge.Acknowledge(1, 1, 3));

        Assert.Equal(5, merge.KnownVersion(1));
        Assert.Equal(0, merge.PendingCount);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void Acknowledging_an_unknown_slice_is_ignored(int slice)
    {
        var merge = Merge(mergeCount: 1);

        Assert.False(merge.Acknowledge(slice, 1, 5));
        Assert.False(merge.Drop(slice, 1));
    }

    [Fact]
    public void Drop_removes_a_pending_update_without_raising_the_known_version()
    {
        var merge = Merge(mergeCount: 1);
        merge.Add(2, 0, 1, [1f, 1f, 1f, 1f]);
        merge.Flush(2, T0);

        Assert.True(merge.Drop(2, 1));
        Assert.False(merge.Drop(2, 1));
        Assert.False(merge.Drop(2, 2));

        Assert.Equal(0, merge.PendingCount);
        Assert.Equal(0, merge.KnownVersion(2));
        Assert.Empty(merge.DueForResend(T0.AddHours(1), T0.AddHours(1)));
    }

    [Fact]
    public void Due_for_resend_returns_only_updates_sent_before_the_cutoff_oldest_first()
    {
        var merge = Merge(mergeCount: 1);
        foreach (var seconds in new[] { 0, 1, 2, 10 })
        {
            merge.Add(0, 0, 1, [seconds, 0f, 0f]);
            merge.Flush(0, T0.AddSeconds(seconds));
        }

        var now = T0.AddSeconds(12);
        var due = merge.DueForResend(T0.AddSeconds(2), now);

        Assert.Equal([1L, 2L], due.Select(u => u.Sequence));
        Assert.Equal([0f, 1f], due.Select(u => Decoded(u.Payload)[0]));
        Assert.All(due, u => Assert.Equal(now, u.SentUtc));
        Assert.Equal(4, merge.PendingCount);
    }

    [Fact]
    public void An_update_due_for_resend_is_marked_sent_and_not_due_again_at_once()
    {
        var merge = Merge(mergeCount: 1);
        merge.Add(1, 0, 1, [3f, 4f]);
        var sent = merge.Flush(1, T0)!;
        merge.Add(1, 0, 1, [5f, 6f]);
        merge.Flush(1, T0.AddSeconds(1));

        var first = merge.DueForResend(T0.AddSeconds(5), T0.AddSeconds(5));
        var second = merge.DueForResend(T0.AddSeconds(5), T0.AddSeconds(6));
        var third = merge.DueForResend(T0.AddSeconds(9), T0.AddSeconds(9));

        Assert.Equal([1L, 2L], first.Select(u => u.Sequence));
        Assert.Empty(second);
        Assert.Equal([1L, 2L], third.Select(u => u.Sequence));
        Assert.Same(sent.Payload, third[0].Payload);
        Assert.Equal(1, third[0].Slice);
    }

    [Fact]
    public void Due_for_resend_covers_every_slice_and_skips_acknowledged_updates()
    {
        var merge = Merge(mergeCount: 1);
        merge.Add(0, 0, 1, [1f, 1f, 1f]);
        merge.Flush(0, T0);
        merge.Add(2, 0, 1, [1f, 1f, 1f, 1f]);
        merge.Flush(2, T0);
        merge.Add(2, 0, 1, [2f, 2f, 2f, 2f]);
        merge.Flush(2, T0);
        merge.Acknowledge(2, 1, 1);

        var due = merge.DueForResend(T0.AddSeconds(1), T0.AddSeconds(1));

        Assert.Equal([(0, 1L), (2, 2L)], due.Select(u => (u.Slice, u.Sequence)));
    }

    [Fact]
    public void Pending_count_follows_flushes_acknowledgements_and_drops()
    {
        var merge = Merge(mergeCount: 1);
        for (var slice = 0; slice < 3; slice++)
        {
            merge.Add(slice, 0, 1, new float[Lengths[slice]]);
            merge.Flush(slice, T0);
            Assert.Equal(slice + 1, merge.PendingCount);
        }

        merge.Acknowledge(0, 1, 1);
        Assert.Equal(2, merge.PendingCount);
        merge.Drop(1, 1);
        Assert.Equal(1, merge.PendingCount);
        merge.Acknowledge(2, 2, 1);
        Assert.Equal(1, merge.PendingCount);
        merge.Acknowledge(2, 1, 1);
        Assert.Equal(0, merge.PendingCount);
    }

    [Theory]
    [InlineData(1e39)]
    [InlineData(double.MaxValue)]
    public void A_weight_too_large_for_a_float_is_refused_not_thrown(double weight)
    {
        var merge = new RegionMerge([3], 1, 0.5);

        Assert.Contains("outside what a float holds", merge.Add(0, 0, weight, [1f, 2f, 3f]), StringComparison.Ordinal);
        Assert.Null(merge.Flush(0, DateTime.UtcNow));
    }

    [Theory]
    [InlineData(1e-46)]
    [InlineData(double.Epsilon)]
    public void A_weight_that_vanishes_as_a_float_is_refused_so_a_merge_never_turns_into_nan(double weight)
    {
        var merge = new RegionMerge([3], 1, 0.5);

        Assert.NotNull(merge.Add(0, 0, weight, [1f, 2f, 3f]));
        Assert.Null(merge.Flush(0, DateTime.UtcNow));
    }
}
