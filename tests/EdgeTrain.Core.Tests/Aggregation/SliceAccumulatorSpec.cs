using EdgeTrain.Core.Aggregation;

namespace EdgeTrain.Core.Tests.Aggregation;

public sealed class SliceAccumulatorSpec
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1_000)]
    [InlineData(262_144)]
    public void The_average_is_the_weighted_mean_of_the_updates(int length)
    {
        var random = new Random(length);
        var updates = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, length).Select(_ => (random.NextSingle() * 2) - 1).ToArray()).ToArray();
        double[] weights = [64, 32 / Math.Sqrt(2), 1, 128 / Math.Sqrt(4), 0.25];
        var accumulator = new SliceAccumulator(length);

        for (var k = 0; k < updates.Length; k++)
        {
            accumulator.Add(updates[k], weights[k]);
        }

        Assert.Equal(5, accumulator.Count);
        Assert.Equal(weights.Sum(), accumulator.TotalWeight, 1e-9);
        var average = accumulator.TakeAverage();
        Assert.Equal(length, average.Length);
        for (var i = 0; i < length; i++)
        {
            var expected = Enumerable.Range(0, updates.Length).Sum(k => weights[k] * updates[k][i]) / weights.Sum();
            Assert.True(Math.Abs(expected - average[i]) <= 1e-6 + (1e-5 * Math.Abs(expected)), $"element {i}: {average[i]} vs {expected}");
        }
    }

    [Fact]
    public void Taking_the_average_empties_the_accumulator()
    {
        var accumulator = new SliceAccumulator(3);
        accumulator.Add([1, 2, 3], 2);

        Assert.Equal([1f, 2f, 3f], accumulator.TakeAverage());

        Assert.Equal(0, accumulator.Count);
        Assert.Equal(0, accumulator.TotalWeight);
        Assert.Throws<InvalidOperationException>(() => accumulator.TakeAverage());
        accumulator.Add([4, 4, 4], 1);
        Assert.Equal([4f, 4f, 4f], accumulator.TakeAverage());
    }

    [Fact]
    public void An_empty_accumulator_has_no_average()
    {
        var accumulator = new SliceAccumulator(3);

        Assert.Equal(3, accumulator.Length);
        Assert.Throws<InvalidOperationException>(() => accumulator.TakeAverage());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e300)]
    public void A_weight_that_is_not_positive_and_finite_is_refused(double weight)
    {
        var accumulator = new SliceAccumulator(2);

        Assert.Throws<ArgumentException>(() => accumulator.Add([1, 2], weight));
        Assert.Equal(0, accumulator.Count);
    }

    [Fact]
    public void An_update_of_another_length_is_refused()
    {
        var accumulator = new SliceAccumulator(2);

        Assert.Throws<ArgumentException>(() => accumulator.Add([1, 2, 3], 1));
        Assert.Equal(0, accumulator.Count);
    }
}
