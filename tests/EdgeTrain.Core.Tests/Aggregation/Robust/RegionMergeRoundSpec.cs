using EdgeTrain.Core.Aggregation;
using EdgeTrain.Core.Aggregation.Robust;
using EdgeTrain.Core.Codecs;

namespace EdgeTrain.Core.Tests.Aggregation.Robust;

/// <summary>A region's merge with a robust rule: rounds of whole updates per trainer, merged by the rule into one update per slice.</summary>
public sealed class RegionMergeRoundSpec
{
    private static readonly DateTime Now = new(2026, 12, 3, 12, 0, 0, DateTimeKind.Utc);

    private static byte[] Raw(params float[] values) => TensorCodecs.For(new CodecSpec(CodecKind.None)).Encode(values);

    private static float[] Decode(PendingUpdate update, int length)
    {
        var values = new float[length];
        TensorCodecs.ForPayload(update.Payload, "update").Decode(update.Payload, values, "update");
        return values;
    }

    private static RegionMerge Median(int trainers)
    {
        var merge = new RegionMerge([2, 1], trainers, 0.5);
        merge.SetRule(new AggregationRule(AggregationRuleKind.Median));
        return merge;
    }

    [Fact]
    public void A_round_is_merged_by_the_rule_once_every_trainer_sent_every_slice()
    {
        var merge = Median(3);
        Assert.True(merge.RoundMode);

        Assert.Null(merge.Add(0, 0, 64, Raw(1f, 2f), trainer: "a"));
        Assert.Null(merge.Add(0, 0, 64, Raw(1.2f, 2.2f), trainer: "b"));
        Assert.Null(merge.Add(0, 0, 64, Raw(-100f, -100f), trainer: "attacker"));
        Assert.Null(merge.Add(1, 0, 64, Raw(3f), trainer: "a"));
        Assert.Null(merge.Add(1, 0, 64, Raw(3.2f), trainer: "b"));
        Assert.False(merge.Ready(0)); // no per-slice merges in rounds
        Assert.False(merge.RoundReady(timer: false));
        Assert.Null(merge.Add(1, 0, 64, Raw(100f), trainer: "attacker"));
        Assert.True(merge.RoundReady(timer: false));

        var (updates, result) = merge.FlushRound(Now)!.Value;

        Assert.Equal([1, 1], updates.Select(u => u.Sequence));
        Assert.Equal([1f, 2f], Decode(updates[0], 2));
        Assert.Equal([3.2f], Decode(updates[1], 1));
        Assert.False(result.Verdicts.Single(v => v.Source == "attacker").Included);
        Assert.Equal(2, merge.PendingCount);
        Assert.Equal(0, merge.CompleteRounds);
    }

    [Fact]
    public void A_trainer_that_runs_ahead_starts_its_next_round_and_is_merged_in_the_next()
    {
        var merge = Median(3);
        foreach (var trainer in new[] { "a", "b", "c" })
        {
            merge.Add(0, 0, 64, Raw(1f, 1f), trainer: trainer);
            merge.Add(1, 0, 64, Raw(1f), trainer: trainer);
        }

        merge.Add(0, 1, 64, Raw(9f, 9f), trainer: "a"); // a's second round
        merge.Add(1, 1, 64, Raw(9f), trainer: "a");

        var (first, _) = merge.FlushRound(Now)!.Value;

        Assert.Equal([1f, 1f], Decode(first[0], 2));
        Assert.Equal(1, merge.CompleteRounds);
        Assert.False(merge.RoundReady(timer: false));
    }

    [Fact]
    public void On_the_timer_a_round_short_of_absent_trainers_is_merged_when_the_rule_has_enough()
    {
        var merge = Median(4);
        foreach (var trainer in new[] { "a", "b", "c" })
        {
            merge.Add(0, 0, 64, Raw(1f, 1f), trainer: trainer);
            merge.Add(1, 0, 64, Raw(1f), trainer: trainer);
        }

        Assert.False(merge.RoundReady(timer: false)); // 3 of 4
        Assert.True(merge.RoundReady(timer: true)); // the fourth sent nothing: absent, and the median needs 3

        merge.Add(0, 0, 64, Raw(1f, 1f), trainer: "d"); // now the fourth is on its way
        Assert.False(merge.RoundReady(timer: true));
    }

    [Fact]
    public void A_malformed_or_non_finite_contribution_is_refused_and_keeps_nothing()
    {
        var merge = Median(3);

        var reason = merge.Add(0, 0, 64, Raw(1f), trainer: "a");
        Assert.Contains("slice 0", reason, StringComparison.Ordinal);
        Assert.Equal(0, merge.IncompleteRounds);

        var nan = merge.Add(1, 0, 64, [(byte)CodecKind.None, 1, 0, 0, 0, 0, 0, 0xC0, 0x7F], trainer: "a");
        Assert.NotNull(nan);
        Assert.Equal(0, merge.IncompleteRounds);
    }

    [Fact]
    public void Setting_the_mean_again_leaves_round_mode()
    {
        var merge = Median(3);
        merge.SetRule(AggregationRule.Mean);

        Assert.False(merge.RoundMode);
        Assert.Null(merge.FlushRound(Now));
    }
}
