using EdgeTrain.Core.Codecs;

namespace EdgeTrain.Core.Tests.Codecs;

public sealed class ErrorFeedbackSpec
{
    [Theory]
    [InlineData(CodecKind.TopK)]
    [InlineData(CodecKind.TopKInt8)]
    [InlineData(CodecKind.Int8)]
    public void Nothing_is_lost_and_the_residual_stays_bounded(CodecKind kind)
    {
        const int length = 2_000;
        const int steps = 300;
        var codec = CodecSamples.Codec(kind);
        var feedback = new ErrorFeedback(length);
        var trueSum = new double[length];
        var decodedSum = new double[length];
        var largestResidual = 0.0;

        for (var step = 0; step < steps; step++)
        {
            var update = CodecSamples.Values(length, 100 + step);
            var decoded = CodecSamples.Decode(codec, feedback.EncodeWithFeedback(codec, update), length);
            for (var i = 0; i < length; i++)
            {
                trueSum[i] += update[i];
                decodedSum[i] += decoded[i];
            }

            largestResidual = Math.Max(largestResidual, feedback.Residual.ToArray().Max(Math.Abs));
        }

        var residual = feedback.Residual.ToArray();
        for (var i = 0; i < length; i++)
        {
            Assert.True(
                Math.Abs(decodedSum[i] + residual[i] - trueSum[i]) <= 1e-3,
                $"element {i}: sent {decodedSum[i]} + residual {residual[i]} but the updates sum to {trueSum[i]}");
        }

        // each update is at most e^1 per element: the residual never grows past a few updates' worth
        Assert.True(largestResidual < 100, $"the residual reached {largestResidual}");
        var tracking = Enumerable.Range(0, length).Max(i => Math.Abs(decodedSum[i] - trueSum[i]));
        Assert.True(tracking < 100, $"the decoded sum drifted {tracking} from the true sum");
    }

    [Fact]
    public void Without_loss_the_residual_stays_zero()
    {
        var feedback = new ErrorFeedback(50);
        var codec = CodecSamples.Codec(CodecKind.None);
        var update = CodecSamples.Values(50, 1);
        Assert.Equal(update, CodecSamples.Decode(codec, feedback.EncodeWithFeedback(codec, update), 50));
        Assert.All(feedback.Residual.ToArray(), r => Assert.Equal(0f, r));
    }

    [Fact]
    public void The_residual_is_sent_with_the_next_update()
    {
        var feedback = new ErrorFeedback(4);
        var codec = TensorCodecs.For(new CodecSpec(CodecKind.TopK, TopKFraction: 0.25));
        Assert.Equal([0f, 0f, 0f, 4f], CodecSamples.Decode(codec, feedback.EncodeWithFeedback(codec, [1f, 2f, 3f, 4f]), 4));
        Assert.Equal([1f, 2f, 3f, 0f], feedback.Residual.ToArray());
        Assert.Equal([0f, 0f, 3f, 0f], CodecSamples.Decode(codec, feedback.EncodeWithFeedback(codec, [0f, 0f, 0f, 0f]), 4));
        Assert.Equal([1f, 2f, 0f, 0f], feedback.Residual.ToArray());

        feedback.Reset();
        Assert.Equal([0f, 0f, 0f, 0f], feedback.Residual.ToArray());
    }

    [Fact]
    public void An_update_of_the_wrong_length_is_refused()
    {
        var feedback = new ErrorFeedback(4);
        Assert.Throws<ArgumentException>(() => feedback.EncodeWithFeedback(CodecSamples.Codec(CodecKind.TopK), new float[5]));
    }
}
