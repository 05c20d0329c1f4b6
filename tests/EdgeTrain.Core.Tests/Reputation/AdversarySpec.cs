using EdgeTrain.Core.Adversaries;

namespace EdgeTrain.Core.Tests.Reputation;

public sealed class AdversarySpec
{
    [Theory]
    [InlineData("sign-flip", AdversaryMode.SignFlip, 0)]
    [InlineData("scale=-10", AdversaryMode.Scale, -10)]
    [InlineData("nan", AdversaryMode.Nan, 0)]
    [InlineData("noise=0.5", AdversaryMode.Noise, 0.5)]
    [InlineData("zero", AdversaryMode.Zero, 0)]
    [InlineData("label-flip", AdversaryMode.LabelFlip, 0)]
    [InlineData("drop-mid-round", AdversaryMode.DropMidRound, 0)]
    public void Every_mode_reads_and_writes_back_as_given(string text, AdversaryMode mode, double value)
    {
        var adversary = Adversary.Parse(text)!;

        Assert.Equal(new Adversary(mode, value), adversary);
        Assert.Equal(text, adversary.ToString());
    }

    [Fact]
    public void No_text_is_an_honest_node()
    {
        Assert.Null(Adversary.Parse(""));
        Assert.Null(Adversary.Parse(null));
    }

    [Theory]
    [InlineData("flip", "expected one of sign-flip, scale=X, nan, noise=SIGMA, zero, label-flip, drop-mid-round, found 'flip'")]
    [InlineData("scale", "expected scale=X")]
    [InlineData("scale=big", "found 'big'")]
    [InlineData("noise=-1", "SIGMA a number above 0")]
    [InlineData("nan=3", "'nan' takes no value")]
    public void A_bad_mode_is_refused_with_what_is_expected(string text, string problem)
    {
        var refused = Assert.Throws<InvalidInputException>(() => Adversary.Parse(text, "command line", "--adversaries"));

        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
        Assert.Contains("--adversaries", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_attack_changes_the_update_as_it_says()
    {
        float[] Attack(string mode)
        {
            float[] update = [1, -2, 3];
            Adversary.Parse(mode)!.Apply(update, new Random(1));
            return update;
        }

        Assert.Equal([-1f, 2f, -3f], Attack("sign-flip"));
        Assert.Equal([10f, -20f, 30f], Attack("scale=10"));
        Assert.Equal([1f, -2f, 3f], Attack("nan")); // forged into the payload instead
        var forged = Adversary.Parse("nan")!.Forge([1, 2, 3, 4, 0, 0, 128, 63], 1);
        Assert.Equal([1, 2, 3, 4], forged[..4]);
        Assert.True(float.IsNaN(BitConverter.ToSingle(forged, 4)));
        Assert.Equal([0, 0, 128, 63], Adversary.Parse("zero")!.Forge([0, 0, 128, 63], 1));
        Assert.Equal([0f, 0f, 0f], Attack("zero"));
        Assert.Equal([1f, -2f, 3f], Attack("label-flip"));
        Assert.NotEqual([1f, -2f, 3f], Attack("noise=1"));
        Assert.Equal((byte)9, Adversary.FlipLabel(0, 10));
    }
}
