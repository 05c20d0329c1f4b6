using EdgeTrain.Core.Optimizers;
using EdgeTrain.Core.Parameters;

namespace EdgeTrain.Core.Tests.Parameters;

public sealed class SliceChangeLogSpec
{
    private static float[] With(float[] values, params (int Index, float Value)[] changes)
    {
        var next = (float[])values.Clone();
        foreach (var (index, value) in changes)
        {
            next[index] = value;
        }

        return next;
    }

    [Fact]
    public void The_positions_changed_since_a_version_are_the_union_in_order()
    {
        var log = new SliceChangeLog(8, denseFraction: 1);
        var v0 = new float[8];
        var v1 = With(v0, (5, 1f), (2, 1f));
        var v2 = With(v1, (2, 3f), (7, -1f));
        var v3 = With(v2, (0, 4f));
        log.Record(1, v0, v1);
        log.Record(2, v1, v2);
        log.Record(3, v2, v3);

        Assert.Equal([0, 2, 5, 7], log.ChangedSince(0, 3)!);
        Assert.Equal([0, 2, 7], log.ChangedSince(1, 3)!);
        Assert.Equal([0], log.ChangedSince(2, 3)!);
    }

    [Fact]
    public void Nothing_is_known_outside_the_recorded_span()
    {
        var log = new SliceChangeLog(4, capacity: 2, denseFraction: 1);
        var v = new float[4];
        log.Record(1, v, With(v, (0, 1f)));
        log.Record(2, v, With(v, (1, 1f)));
        log.Record(3, v, With(v, (2, 1f)));

        Assert.Null(log.ChangedSince(0, 3)); // version 1 fell out of the log
        Assert.Equal([1, 2], log.ChangedSince(1, 3)!);
        Assert.Null(log.ChangedSince(3, 3)); // nothing to send: the asker is current
        Assert.Null(log.ChangedSince(2, 4)); // the log has not seen version 4
        Assert.Null(log.ChangedSince(-1, 3)); // the asker has no copy
    }

    [Fact]
    public void A_dense_version_or_a_dense_union_sends_the_whole_slice()
    {
        var log = new SliceChangeLog(8, denseFraction: 0.25);
        var v0 = new float[8];
        var v1 = With(v0, (0, 1f), (1, 1f));
        var v2 = With(v1, (2, 1f), (3, 1f));
        log.Record(1, v0, v1);
        log.Record(2, v1, v2);

        Assert.Equal([2, 3], log.ChangedSince(1, 2)!);
        Assert.Null(log.ChangedSince(0, 2)); // 4 of 8 positions: more than a quarter
        log.Record(3, v2, With(v2, (4, 1f), (5, 1f), (6, 1f)));
        Assert.Null(log.ChangedSince(2, 3));
    }

    [Fact]
    public void A_gap_in_versions_or_forget_starts_the_log_afresh()
    {
        var log = new SliceChangeLog(4, denseFraction: 1);
        var v = new float[4];
        log.Record(1, v, With(v, (0, 1f)));
        log.Record(3, v, With(v, (1, 1f)));

        Assert.Null(log.ChangedSince(1, 3));
        Assert.Equal([1], log.ChangedSince(2, 3)!);
        log.Forget();
        Assert.Null(log.ChangedSince(2, 3));
    }

    [Fact]
    public void Changes_are_found_bit_for_bit()
    {
        var log = new SliceChangeLog(3, denseFraction: 1);
        float[] before = [0f, float.NaN, 1f];
        log.Record(1, before, [-0f, float.NaN, 1f]);

        Assert.Equal([0], log.ChangedSince(0, 1)!);
    }

    [Fact]
    public void A_slice_state_logs_what_each_update_changed_and_a_restore_forgets()
    {
        var state = new SliceState(Enumerable.Repeat(1f, 16).ToArray(), new ShardOptimizerSpec(ShardOptimizerKind.Sgd, 1f));
        var first = new float[16];
        first[1] = 2f;
        var second = new float[16];
        second[3] = 0.5f;
        state.Apply("agg", 1, first);
        state.Apply("agg", 2, second);

        Assert.Equal([1, 3], state.Changes.ChangedSince(0, 2)!);
        state.Restore(Enumerable.Repeat(1f, 16).ToArray());
        Assert.Null(state.Changes.ChangedSince(2, 3));
    }
}
