using EdgeTrain.Core.Codecs;
using static EdgeTrain.Tests.FloatData;

namespace EdgeTrain.Core.Tests.Codecs;

public sealed class SliceEncoderSpec
{
    [Fact]
    public void A_lossless_codec_keeps_no_residual()
    {
        var encoder = new SliceEncoder(new CodecSpec(CodecKind.None), errorFeedback: true, [4]);
        var update = new[] { 1f, -2f, 3f, 0.5f };

        var payload = encoder.Encode(0, update);

        Assert.False(encoder.HasErrorFeedback);
        Assert.Equal(update, Decoded(payload));
        Assert.True(encoder.Residual(0).IsEmpty);
    }

    [Fact]
    public void Top_k_with_error_feedback_sends_what_it_held_back_in_a_later_update()
    {
        // top 25% of 4 values: one value a time; the other three wait in the residual
        var encoder = new SliceEncoder(new CodecSpec(CodecKind.TopK, TopKFraction: 0.25), errorFeedback: true, [4]);

        var first = Decoded(encoder.Encode(0, [4f, 3f, 2f, 1f]));
        var second = Decoded(encoder.Encode(0, [0f, 0f, 0f, 0f]));
        var third = Decoded(encoder.Encode(0, [0f, 0f, 0f, 0f]));

        Assert.Equal([4f, 0f, 0f, 0f], first);
        Assert.Equal([0f, 3f, 0f, 0f], second);
        Assert.Equal([0f, 0f, 2f, 0f], third);
        Assert.Equal([0f, 0f, 0f, 1f], encoder.Residual(0).ToArray());
    }

    [Fact]
    public void Without_error_feedback_what_top_k_drops_is_gone()
    {
        var encoder = new SliceEncoder(new CodecSpec(CodecKind.TopK, TopKFraction: 0.25), errorFeedback: false, [4]);

        encoder.Encode(0, [4f, 3f, 2f, 1f]);

        Assert.Equal([0f, 0f, 0f, 0f], Decoded(encoder.Encode(0, [0f, 0f, 0f, 0f])));
    }

    [Fact]
    public void Each_slice_keeps_its_own_residual_and_reset_forgets_them()
    {
        var encoder = new SliceEncoder(new CodecSpec(CodecKind.TopK, TopKFraction: 0.5), errorFeedback: true, [2, 2]);

        encoder.Encode(0, [2f, 1f]);
        encoder.Encode(1, [-5f, 7f]);

        Assert.Equal([0f, 1f], encoder.Residual(0).ToArray());
        Assert.Equal([-5f, 0f], encoder.Residual(1).ToArray());
        encoder.Reset();
        Assert.Equal([0f, 0f], encoder.Residual(1).ToArray());
    }

    [Fact]
    public void Over_many_rounds_error_feedback_delivers_the_whole_sum()
    {
        // int8 rounds every value; with feedback the rounding errors do not pile up
        var encoder = new SliceEncoder(new CodecSpec(CodecKind.Int8, BlockSize: 8), errorFeedback: true, [64]);
        var sent = new double[64];
        var wanted = new double[64];
        for (var round = 0; round < 200; round++)
        {
            var update = Update(64, round);
            var decoded = Decoded(encoder.Encode(0, update));
            for (var i = 0; i < 64; i++)
            {
                sent[i] += decoded[i];
                wanted[i] += update[i];
            }
        }

        for (var i = 0; i < 64; i++)
        {
            // what is still missing is exactly the residual, which stays below one quantum
            Assert.Equal(wanted[i], sent[i] + encoder.Residual(0)[i], 3);
            Assert.InRange(Math.Abs(encoder.Residual(0)[i]), 0, 0.02);
        }
    }

    [Fact]
    public void A_slice_outside_the_plan_or_a_wrong_length_is_refused()
    {
        var encoder = new SliceEncoder(new CodecSpec(CodecKind.TopK), errorFeedback: true, [4]);

        Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Encode(1, [1f, 2f, 3f, 4f]));
        Assert.Throws<ArgumentException>(() => encoder.Encode(0, [1f, 2f]));
        Assert.Throws<ArgumentException>(() => encoder.Encode(0, [1f, float.NaN, 3f, 4f]));
    }
}
