using EdgeTrain.Core.Privacy;

namespace EdgeTrain.Core.Tests.Privacy;

/// <summary>
/// The RDP accountant against values computed from the same formula independently (Python's mpmath at
/// 50 digits: the sum over k of C(α,k)(1−q)^(α−k) q^k exp((k²−k)/(2σ²)), and the conversion
/// min over α of T·RDP(α) − (ln δ + ln α)/(α − 1) + ln((α − 1)/α)).
/// </summary>
public sealed class RdpAccountantSpec
{
    [Theory]
    [InlineData(0.01, 1.1, 2, 0.00012851008160516180)]
    [InlineData(0.01, 1.1, 32, 8.4694164336759256321)]
    [InlineData(256.0 / 60000, 1.1, 8, 0.000098341061779926004)]
    public void One_step_at_an_order_is_what_the_formula_gives(double q, double sigma, int order, double expected)
    {
        var rdp = RdpAccountant.Empty.Step(q, sigma).RdpAt(order);

        Assert.Equal(expected, rdp, expected * 1e-9);
    }

    [Fact]
    public void Without_subsampling_it_is_the_Gaussian_mechanism_alpha_over_two_sigma_squared()
    {
        var accountant = RdpAccountant.Empty.Step(1, 5.0);

        Assert.Equal(2 / 50.0, accountant.RdpAt(2), 1e-15);
        Assert.Equal(64 / 50.0, accountant.RdpAt(64), 1e-15);
        var (epsilon, order) = accountant.Epsilon(1e-5);
        Assert.Equal(0.79452203253710297563, epsilon, 1e-9);
        Assert.Equal(22, order);
    }

    [Theory]
    [InlineData(256.0 / 60000, 1.1, 60 * 60000 / 256, 2.5969811785948528976, 8)] // DP-SGD on MNIST: batch 256 of 60,000, σ 1.1, 60 epochs
    [InlineData(0.1, 1.0, 100, 7.9729215103805378239, 3)]
    public void Composed_steps_give_the_epsilon_of_the_best_order(double q, double sigma, int steps, double expected, int expectedOrder)
    {
        var (epsilon, order) = RdpAccountant.Empty.Step(q, sigma, steps).Epsilon(1e-5);

        Assert.Equal(expected, epsilon, 1e-8);
        Assert.Equal(expectedOrder, order);
    }

    [Fact]
    public void Steps_compose_by_addition_and_one_by_one_equals_all_at_once()
    {
        var oneByOne = RdpAccountant.Empty;
        for (var i = 0; i < 50; i++)
        {
            oneByOne = oneByOne.Step(0.02, 0.9);
        }

        var atOnce = RdpAccountant.Empty.Step(0.02, 0.9, 50);

        Assert.Equal(50, oneByOne.Steps);
        Assert.Equal(atOnce.Epsilon(1e-5).Epsilon, oneByOne.Epsilon(1e-5).Epsilon, 1e-9);
        Assert.True(atOnce.Epsilon(1e-5).Epsilon > RdpAccountant.Empty.Step(0.02, 0.9, 10).Epsilon(1e-5).Epsilon);
        Assert.Equal(0, RdpAccountant.Empty.Epsilon(1e-5).Epsilon);
    }

    [Fact]
    public void Parameters_out_of_range_are_refused_by_name()
    {
        Assert.Throws<ArgumentOutOfRangeException>("samplingRate", () => RdpAccountant.Empty.Step(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>("samplingRate", () => RdpAccountant.Empty.Step(1.5, 1));
        Assert.Throws<ArgumentOutOfRangeException>("noiseMultiplier", () => RdpAccountant.Empty.Step(0.1, 0));
        Assert.Throws<ArgumentOutOfRangeException>("noiseMultiplier", () => RdpAccountant.Empty.Step(0.1, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>("delta", () => RdpAccountant.Empty.Epsilon(0));
        Assert.Throws<ArgumentOutOfRangeException>("order", () => RdpAccountant.Empty.RdpAt(65));
    }
}
