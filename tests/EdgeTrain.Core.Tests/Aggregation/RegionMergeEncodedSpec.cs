using EdgeTrain.Core.Aggregation;
using EdgeTrain.Core.Codecs;
using static EdgeTrain.Tests.FloatData;

namespace EdgeTrain.Core.Tests.Aggregation;

/// <summary>Contributions and merged updates as they travel: encoded with the job's codecs.</summary>
public sealed class RegionMergeEncodedSpec
{
    private static readonly DateTime T0 = new(2025, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static byte[] Encode(CodecKind kind, float[] values, double fraction = 0.5) =>
        TensorCodecs.For(new CodecSpec(kind, TopKFraction: fraction)).Encode(values);

    [Fact]
    public void Contributions_of_different_codecs_merge_into_one_weighted_average()
    {
        var merge = new RegionMerge([4], mergeCount: 3, stalenessExponent: 0.5);

        Assert.Null(merge.Add(0, 0, 1, Encode(CodecKind.None, [4f, 0f, 0f, 8f])));
        Assert.Null(merge.Add(0, 0, 1, Encode(CodecKind.TopK, [0f, 0f, 6f, 2f], fraction: 0.25)));
        Assert.Null(merge.Add(0, 0, 2, Encode(CodecKind.Fp16, [1f, 1f, 0f, 1f])));

        // (1·[4,0,0,8] + 1·[0,0,6,0] + 2·[1,1,0,1]) / 4
        Assert.Equal([1.5f, 0.5f, 1.5f, 2.5f], Decoded(merge.Flush(0, T0)!.Payload));
    }

    [Fact]
    public void Merged_updates_are_encoded_with_the_merged_codec_and_keep_what_it_drops()
    {
        var merge = new RegionMerge([4], mergeCount: 1, stalenessExponent: 0.5, new CodecSpec(CodecKind.TopK, TopKFraction: 0.25));

        merge.Add(0, 0, 1, Encode(CodecKind.None, [1f, 5f, 2f, 0f]));
        var first = merge.Flush(0, T0)!;
        merge.Add(0, 0, 1, Encode(CodecKind.None, [0f, 0f, 0f, 0f]));
        var second = merge.Flush(0, T0)!;

        Assert.Equal((byte)CodecKind.TopK, first.Payload[0]);
        Assert.Equal(CodecKind.TopK, merge.MergedCodec.Kind);
        Assert.Equal([0f, 5f, 0f, 0f], Decoded(first.Payload));
        Assert.Equal([0f, 0f, 2f, 0f], Decoded(second.Payload));
    }

    public static TheoryData<string, byte[], string> BadPayloads()
    {
        var outOfRange = Encode(CodecKind.TopK, [0f, 0f, 0f, 9f], fraction: 0.25);
        outOfRange[9] = 7; // the one index: 7 of 4 values
        var badScale = Encode(CodecKind.Int8, [1f, 2f, 3f, 4f]);
        BitConverter.GetBytes(float.NaN).CopyTo(badScale, 9);
        var unknown = Encode(CodecKind.None, [1f, 2f, 3f, 4f]);
        unknown[0] = 99;
        return new()
        {
            { "wrong length", Encode(CodecKind.None, [1f, 2f, 3f]), "header says 3 elements; the destination holds 4" },
            { "truncated", Encode(CodecKind.None, [1f, 2f, 3f, 4f])[..^2], "truncated" },
            { "NaN value", Raw(1f, float.NaN, 3f, 4f), "value 1 is NaN" },
            { "index out of range", outOfRange, "out of range" },
            { "non-finite scale", badScale, "scale" },
            { "unknown codec", unknown, "names no codec" },
            { "empty", [], "empty" },
        };
    }

    [Theory]
    [MemberData(nameof(BadPayloads))]
    public void A_bad_payload_is_refused_with_its_reason_and_merges_nothing(string what, byte[] payload, string reason)
    {
        var merge = new RegionMerge([4], mergeCount: 2, stalenessExponent: 0.5);
        Assert.Null(merge.Add(0, 0, 1, Encode(CodecKind.None, [2f, 2f, 2f, 2f])));

        var refused = merge.Add(0, 0, 1, payload, "trainer-7");

        Assert.NotNull(refused);
        Assert.Contains(reason, refused, StringComparison.Ordinal);
        Assert.StartsWith("slice 0 (4 floats)", refused, StringComparison.Ordinal);
        Assert.False(merge.Ready(0), what);
        Assert.Equal([2f, 2f, 2f, 2f], Decoded(merge.Flush(0, T0)!.Payload));
    }

    [Fact]
    public void The_reason_names_the_sender()
    {
        var merge = new RegionMerge([4], mergeCount: 2, stalenessExponent: 0.5);

        Assert.Contains("trainer-7", merge.Add(0, 0, 1, Encode(CodecKind.None, [1f]), "trainer-7"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_share_scales_every_merged_update()
    {
        var merge = new RegionMerge([2], mergeCount: 2, stalenessExponent: 0.5);

        Assert.True(merge.Reconfigure(mergeCount: 1, share: 0.25f));
        Assert.False(merge.Reconfigure(mergeCount: 1, share: 0.25f));
        merge.Add(0, 0, 1, Encode(CodecKind.None, [4f, -8f]));

        Assert.True(merge.Ready(0));
        Assert.Equal([1f, -2f], Decoded(merge.Flush(0, T0)!.Payload));
    }

    [Theory]
    [InlineData(0, 0.5f)]
    [InlineData(1, 0f)]
    [InlineData(1, 1.5f)]
    [InlineData(1, float.NaN)]
    public void A_bad_merge_count_or_share_is_refused(int mergeCount, float share) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RegionMerge([2], 1, 0.5).Reconfigure(mergeCount, share));
}
