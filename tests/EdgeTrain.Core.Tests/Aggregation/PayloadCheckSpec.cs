using EdgeTrain.Core.Aggregation;

namespace EdgeTrain.Core.Tests.Aggregation;

public sealed class PayloadCheckSpec
{
    public static TheoryData<int, float> BadValues()
    {
        var data = new TheoryData<int, float>();
        foreach (var length in new[] { 1, 7, 8, 17, 1_000, 262_144 })
        {
            data.Add(length, float.NaN);
            data.Add(length, float.PositiveInfinity);
            data.Add(length, float.NegativeInfinity);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public void The_first_non_finite_value_is_found_at_the_start_middle_or_end(int length, float bad)
    {
        foreach (var at in new[] { 0, length / 2, length - 1 }.Distinct())
        {
            var values = Clean(length);
            values[at] = bad;
            if (at + 1 < length)
            {
                values[length - 1] = float.NaN; // a later one must not win
            }

            Assert.Equal(at, PayloadCheck.FirstNonFinite(values));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1_000)]
    [InlineData(262_144)]
    public void Clean_data_gives_minus_one(int length)
    {
        var values = Clean(length);
        if (length > 2)
        {
            values[1] = float.MaxValue;
            values[2] = -float.Epsilon;
        }

        Assert.Equal(-1, PayloadCheck.FirstNonFinite(values));
        PayloadCheck.RequireFinite(values, "node-a", "slice 0");
    }

    [Fact]
    public void RequireFinite_names_the_source_the_key_and_the_first_bad_value()
    {
        var values = Clean(100);
        values[42] = float.PositiveInfinity;
        values[50] = float.NaN;

        var e = Assert.Throws<InvalidInputException>(() => PayloadCheck.RequireFinite(values, "akka.tcp://edge@10.0.0.7:4053", "slice 3"));

        Assert.Equal("akka.tcp://edge@10.0.0.7:4053", e.Source);
        Assert.Equal("slice 3", e.Key);
        Assert.Equal("value 42 is Infinity; expected finite numbers", e.Problem);
    }

    private static float[] Clean(int length)
    {
        var random = new Random(length);
        return Enumerable.Range(0, length).Select(_ => (random.NextSingle() - 0.5f) * 1e6f).ToArray();
    }
}
