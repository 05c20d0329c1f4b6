using EdgeTrain.Core.Aggregation;

namespace EdgeTrain.Core.Tests.Aggregation;

public sealed class StalenessWeightSpec
{
    [Theory]
    [InlineData(64.0, 0L, 0.5, 64.0)]
    [InlineData(64.0, 3L, 0.5, 32.0)]
    [InlineData(64.0, 8L, 0.5, 64.0 / 3.0)]
    [InlineData(64.0, 1L, 1.0, 32.0)]
    [InlineData(64.0, 100L, 0.0, 64.0)]
    [InlineData(10.0, -5L, 0.5, 10.0)]
    public void The_weight_is_samples_over_a_power_of_one_plus_staleness(double samples, long staleness, double exponent, double expected) =>
        Assert.Equal(expected, StalenessWeight.Of(samples, staleness, exponent), 1e-12);

    [Fact]
    public void The_default_exponent_is_one_half() => Assert.Equal(50.0, StalenessWeight.Of(100, 3), 1e-12);

    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(-1.0, 0.5)]
    [InlineData(double.NaN, 0.5)]
    [InlineData(double.PositiveInfinity, 0.5)]
    [InlineData(1.0, -0.5)]
    [InlineData(1.0, double.NaN)]
    public void Samples_that_are_not_positive_or_a_bad_exponent_are_refused(double samples, double exponent) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => StalenessWeight.Of(samples, 1, exponent));
}
