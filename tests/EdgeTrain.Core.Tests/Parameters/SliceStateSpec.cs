using EdgeTrain.Core.Optimizers;
using EdgeTrain.Core.Parameters;
using static EdgeTrain.Tests.FloatData;

namespace EdgeTrain.Core.Tests.Parameters;

public sealed class SliceStateSpec
{
    private static readonly ShardOptimizerSpec Sgd = new(ShardOptimizerKind.Sgd, LearningRate: 0.1f);
    private static readonly ShardOptimizerSpec Nesterov = new(ShardOptimizerKind.Nesterov, LearningRate: 0.05f, Momentum: 0.9f, WeightDecay: 1e-4f);
    private static readonly ShardOptimizerSpec Adam = new(ShardOptimizerKind.Adam, LearningRate: 1e-3f, WeightDecay: 1e-4f);

    public static TheoryData<ShardOptimizerKind> Kinds => [ShardOptimizerKind.Sgd, ShardOptimizerKind.Nesterov, ShardOptimizerKind.Adam];

    private static ShardOptimizerSpec SpecOf(ShardOptimizerKind kind) => kind switch
    {
        ShardOptimizerKind.Sgd => Sgd,
        ShardOptimizerKind.Nesterov => Nesterov,
        _ => Adam,
    };

    [Fact]
    public void A_new_slice_is_at_version_zero_with_nothing_applied()
    {
        var state = new SliceState(Ramp(8, 0, 1), Nesterov);

        Assert.Equal(0, state.Version);
        Assert.Equal(8, state.Length);
        Assert.Empty(state.Applied);
        Assert.Equal(ShardOptimizerKind.Nesterov, state.OptimizerState.Kind);
        Assert.Equal(8, state.OptimizerState.First.Length);
    }

    [Fact]
    public void An_empty_slice_is_refused() =>
        Assert.Throws<ArgumentException>(() => new SliceState([], Sgd));

    [Fact]
    public void A_well_formed_new_update_is_accepted()
    {
        var state = new SliceState(Ramp(4, 0, 1), Sgd);

        var verdict = state.Check("agg-a", 1, Update(4, 1));

        Assert.Equal(UpdateVerdict.Accept, verdict);
        Assert.Null(verdict.Reason);
        Assert.Equal(0, state.Version);
    }

    [Fact]
    public void Checking_changes_nothing()
    {
        var values = Ramp(4, 1, 1);
        var state = new SliceState(values.ToArray(), Sgd);

        state.Check("agg-a", 1, Update(4, 1));

        Assert.Equal(values, state.Values);
        Assert.Equal(0, state.Version);
        Assert.Empty(state.Applied);
    }

    [Fact]
    public void An_update_already_applied_is_a_duplicate()
    {
        var state = new SliceState(Ramp(4, 0, 1), Sgd);
        var update = Update(4, 1);
        state.Apply("agg-a", 1, update);

        Assert.Equal(UpdateVerdict.Duplicate, state.Check("agg-a", 1, update));
    }

    [Fact]
    public void A_duplicate_is_recognised_even_when_its_payload_is_malformed()
    {
        var state = new SliceState(Ramp(4, 0, 1), Sgd);
        state.Apply("agg-a", 1, Update(4, 1));

        Assert.Equal(UpdateVerdictKind.Duplicate, state.Check("agg-a", 1, new float[3]).Kind);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(0)]
    public void An_update_of_the_wrong_length_is_rejected(int length)
    {
        var state = new SliceState(Ramp(4, 0, 1), Sgd);

        var verdict = state.Check("agg-a", 1, new float[length]);

        Assert.Equal(UpdateVerdictKind.Reject, verdict.Kind);
        Assert.Equal($"update of {length} floats; the slice has 4", verdict.Reason);
    }

    [Theory]
    [InlineData(float.NaN, 0)]
    [InlineData(float.PositiveInfinity, 5)]
    [InlineData(float.NegativeInfinity, 19)]
    public void An_update_with_a_non_finite_value_is_rejected_naming_its_index(float bad, int index)
    {
        var state = new SliceState(Ramp(20, 0, 1), Sgd);
        var update = Update(20, 2);
        update[index] = bad;

        var verdict = state.Check("agg-a", 1, update);

        Assert.Equal(UpdateVerdictKind.Reject, verdict.Kind);
        Assert.StartsWith($"value {index} is ", verdict.Reason, StringComparison.Ordinal);
        Assert.EndsWith("; expected finite numbers", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_first_non_finite_value_is_named()
    {
        var state = new SliceState(Ramp(40, 0, 1), Sgd);
        var update = Update(40, 3);
        update[17] = float.NaN;
        update[33] = float.PositiveInfinity;

        Assert.StartsWith("value 17 is ", state.Check("agg-a", 1, update).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    public void A_sequence_number_below_one_is_rejected(long sequence)
    {
        var state = new SliceState(Ramp(4, 0, 1), Sgd);

        var verdict = state.Check("agg-a", sequence, Update(4, 1));

        Assert.Equal(UpdateVerdictKind.Reject, verdict.Kind);
        Assert.Equal($"sequence number {sequence}; expected 1 or more", verdict.Reason);
    }

    [Fact]
    public void Applying_a_rejected_update_throws_and_changes_nothing()
    {
        var values = Ramp(4, 0, 1);
        var state = new SliceState(values.ToArray(), Sgd);
        var update = Update(4, 1);
        update[2] = float.NaN;

        var e = Assert.Throws<InvalidOperationException>(() => state.Apply("agg-a", 1, update));

        Assert.Contains("value 2 is", e.Message, StringComparison.Ordinal);
        Assert.Equal(values, state.Values);
        Assert.Equal(0, state.Version);
        Assert.Empty(state.Applied);
    }

    [Fact]
    public void Applying_a_duplicate_throws_and_applies_nothing()
    {
        var state = new SliceState(Ramp(4, 0, 1), Sgd);
        var update = Update(4, 1);
        state.Apply("agg-a", 1, update);
        var after = state.Values.ToArray();

        var e = Assert.Throws<InvalidOperationException>(() => state.Apply("agg-a", 1, update));

        Assert.Contains("Duplicate", e.Message, StringComparison.Ordinal);
        Assert.Equal(after, state.Values);
        Assert.Equal(1, state.Version);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Apply_bumps_the_version_and_applies_the_shard_optimizer(ShardOptimizerKind kind)
    {
        var spec = SpecOf(kind);
        var initial = Ramp(37, -1, 0.05f);
        var state = new SliceState(initial.ToArray(), spec);
        var expected = initial.ToArray();
        var expectedState = new ShardOptimizerState(kind, expected.Length);

        for (var sequence = 1L; sequence <= 4; sequence++)
        {
            var update = Update(expected.Length, (int)sequence);
            ShardOptimizer.Apply(spec, expected, update, expectedState);

            Assert.Equal(sequence, state.Apply("agg-a", sequence, update));
            Assert.Equal(sequence, state.Version);
            AssertBitwiseEqual(expected, state.Values);
        }

        Assert.Equal(4, state.OptimizerState.Steps);
        AssertBitwiseEqual(expectedState.First, state.OptimizerState.First);
        AssertBitwiseEqual(expectedState.Second, state.OptimizerState.Second);
        Assert.Equal(4, state.Applied["agg-a"].Contiguous);
    }

    [Fact]
    public void An_update_redelivered_out_of_order_is_applied_exactly_once()
    {
        var state = new SliceState(Ramp(16, 0, 0.25f), Nesterov);
        var updates = Enumerable.Range(1, 4).Select(i => Update(16, i)).ToArray();
        var expected = Ramp(16, 0, 0.25f);
        var expectedState = new ShardOptimizerState(ShardOptimizerKind.Nesterov, 16);

        // deliveries: 1, 3 (overtakes 2), 3 again, 1 again, 2, 4, 2 again
        var deliveries = new long[] { 1, 3, 3, 1, 2, 4, 2 };
        var appliedCount = 0;
        foreach (var sequence in deliveries)
        {
            var update = updates[sequence - 1];
            var verdict = state.Check("agg-a", sequence, update);
            if (verdict.Kind == UpdateVerdictKind.Accept)
            {
                state.Apply("agg-a", sequence, update);
                ShardOptimizer.Apply(Nesterov, expected, update, expectedState);
                appliedCount++;
            }
            else
            {
                Assert.Equal(UpdateVerdict.Duplicate, verdict);
            }
        }

        Assert.Equal(4, appliedCount);
        Assert.Equal(4, state.Version);
        Assert.Equal(4, state.Applied["agg-a"].Contiguous);
        Assert.Empty(state.Applied["agg-a"].Above);
        AssertBitwiseEqual(expected, state.Values);
    }

    [Fact]
    public void Sequence_numbers_of_two_aggregators_are_independent()
    {
        var state = new SliceState(Ramp(8, 0, 1), Sgd);
        state.Apply("agg-a", 1, Update(8, 1));
        state.Apply("agg-a", 2, Update(8, 2));

        Assert.Equal(UpdateVerdict.Accept, state.Check("agg-b", 1, Update(8, 3)));
        Assert.Equal(3, state.Apply("agg-b", 1, Update(8, 3)));
        Assert.Equal(UpdateVerdict.Duplicate, state.Check("agg-b", 1, Update(8, 3)));
        Assert.Equal(UpdateVerdict.Accept, state.Check("agg-b", 2, Update(8, 4)));
        Assert.Equal(UpdateVerdict.Accept, state.Check("agg-a", 3, Update(8, 4)));

        Assert.Equal(2, state.Applied["agg-a"].Contiguous);
        Assert.Equal(1, state.Applied["agg-b"].Contiguous);
    }

    [Fact]
    public void Aggregator_ids_are_compared_ordinally()
    {
        var state = new SliceState(Ramp(4, 0, 1), Sgd);
        state.Apply("Agg", 1, Update(4, 1));

        Assert.Equal(UpdateVerdict.Accept, state.Check("agg", 1, Update(4, 1)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Replaying_the_same_updates_from_the_same_snapshot_gives_the_same_bits(ShardOptimizerKind kind)
    {
        var spec = SpecOf(kind);
        var live = new SliceState(Ramp(129, 0.5f, -0.01f), spec);
        live.Apply("agg-a", 1, Update(129, 1));
        live.Apply("agg-b", 1, Update(129, 2));

        // snapshot: copies of every part
        var snapshotValues = live.Values.ToArray();
        var snapshotOptimizer = live.OptimizerState;
        var first = snapshotOptimizer.First.ToArray();
        var second = snapshotOptimizer.Second.ToArray();
        var steps = snapshotOptimizer.Steps;
        var snapshotApplied = live.Applied.ToDictionary(
            p => p.Key, p => new AppliedSequences(p.Value.Contiguous, p.Value.Above), StringComparer.Ordinal);
        var version = live.Version;

        var journal = new (string Aggregator, long Sequence, float[] Update)[]
        {
            ("agg-a", 3, Update(129, 3)),
            ("agg-b", 2, Update(129, 4)),
            ("agg-a", 2, Update(129, 5)),
            ("agg-a", 4, Update(129, 6)),
        };
        foreach (var (aggregator, sequence, update) in journal)
        {
            live.Apply(aggregator, sequence, update);
        }

        var restoredOnce = Restore();
        var restoredTwice = Restore();
        foreach (var restored in new[] { restoredOnce, restoredTwice })
        {
            foreach (var (aggregator, sequence, update) in journal)
            {
                Assert.Equal(UpdateVerdict.Accept, restored.Check(aggregator, sequence, update));
                restored.Apply(aggregator, sequence, update);
            }

            Assert.Equal(live.Version, restored.Version);
            AssertBitwiseEqual(live.Values, restored.Values);
            AssertBitwiseEqual(live.OptimizerState.First, restored.OptimizerState.First);
            AssertBitwiseEqual(live.OptimizerState.Second, restored.OptimizerState.Second);
            Assert.Equal(live.OptimizerState.Steps, restored.OptimizerState.Steps);
            Assert.Equal(4, restored.Applied["agg-a"].Contiguous);
            Assert.Equal(2, restored.Applied["agg-b"].Contiguous);
        }

        SliceState Restore() => new(
            snapshotValues.ToArray(),
            spec,
            new ShardOptimizerState(kind, first.ToArray(), second.ToArray(), steps),
            version,
            snapshotApplied.ToDictionary(
                p => p.Key, p => new AppliedSequences(p.Value.Contiguous, p.Value.Above), StringComparer.Ordinal));
    }

    [Fact]
    public void A_restored_slice_knows_what_it_applied_before_the_snapshot()
    {
        var applied = new Dictionary<string, AppliedSequences>
        {
            ["agg-a"] = new AppliedSequences(contiguous: 5, above: [7]),
        };
        var state = new SliceState(Ramp(4, 0, 1), Sgd, new ShardOptimizerState(ShardOptimizerKind.Sgd, 4), 6, applied);

        Assert.Equal(6, state.Version);
        Assert.Equal(UpdateVerdict.Duplicate, state.Check("agg-a", 5, Update(4, 1)));
        Assert.Equal(UpdateVerdict.Duplicate, state.Check("agg-a", 7, Update(4, 1)));
        Assert.Equal(UpdateVerdict.Accept, state.Check("agg-a", 6, Update(4, 1)));
        Assert.Equal(7, state.Apply("agg-a", 6, Update(4, 1)));
        Assert.Equal(7, state.Applied["agg-a"].Contiguous);
    }

    [Fact]
    public void Overwrite_replaces_the_values_and_bumps_the_version()
    {
        var state = new SliceState(Ramp(4, 0, 1), Sgd);
        state.Apply("agg-a", 1, Update(4, 1));
        var replacement = new[] { -0f, 1.5f, float.Epsilon, -3f };

        Assert.Equal(2, state.Overwrite(replacement));

        AssertBitwiseEqual(replacement, state.Values);
        Assert.Equal(2, state.Version);
        Assert.Equal(UpdateVerdict.Duplicate, state.Check("agg-a", 1, Update(4, 1)));
    }

    [Fact]
    public void Overwrite_copies_so_the_caller_keeps_its_array()
    {
        var state = new SliceState(Ramp(3, 0, 1), Sgd);
        var replacement = new[] { 7f, 8f, 9f };

        state.Overwrite(replacement);
        replacement[0] = 100f;

        Assert.Equal([7f, 8f, 9f], state.Values);
    }

    [Fact]
    public void Overwrite_with_the_wrong_length_throws_and_keeps_the_values()
    {
        var state = new SliceState(Ramp(3, 0, 1), Sgd);

        var e = Assert.Throws<ArgumentException>(() => state.Overwrite(new float[4]));

        Assert.Contains("the slice has 3 floats, not 4", e.Message, StringComparison.Ordinal);
        Assert.Equal([0f, 1f, 2f], state.Values);
        Assert.Equal(0, state.Version);
    }
}
