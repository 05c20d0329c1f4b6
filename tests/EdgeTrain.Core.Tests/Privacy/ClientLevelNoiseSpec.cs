using EdgeTrain.Core.Privacy;

namespace EdgeTrain.Core.Tests.Privacy;

public sealed class ClientLevelNoiseSpec
{
    [Fact]
    public void An_update_longer_than_the_clip_is_scaled_to_it_and_a_shorter_one_is_left_alone()
    {
        float[] longer = [3, 4];
        float[] shorter = [0.3f, 0.4f];

        Assert.Equal(5, ClientLevelNoise.Clip(longer, 1), 5);
        Assert.Equal(0.5, ClientLevelNoise.Clip(shorter, 1), 5);

        Assert.Equal([0.6f, 0.8f], longer);
        Assert.Equal([0.3f, 0.4f], shorter);
    }

    [Fact]
    public void Any_threshold_of_shares_sums_to_noise_of_at_least_sigma_times_the_clip()
    {
        const double sigma = 1.2, clip = 0.5;
        const int threshold = 3, count = 5;
        var deviation = ClientLevelNoise.ShareDeviation(sigma, clip, threshold);
        var sumOfThree = new float[200_000];
        var sumOfFive = new float[200_000];
        for (var share = 0; share < count; share++)
        {
            var noise = new float[200_000];
            ClientLevelNoise.Add(noise, deviation);
            if (share < threshold)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(sumOfThree, noise, sumOfThree);
            }

            System.Numerics.Tensors.TensorPrimitives.Add(sumOfFive, noise, sumOfFive);
        }

        // a normal sample's deviation is within 1 % of the true one at this size (its standard error is 0.16 %)
        Assert.Equal(sigma * clip, Deviation(sumOfThree), sigma * clip * 0.01);
        Assert.Equal(sigma * clip * Math.Sqrt(5.0 / 3), Deviation(sumOfFive), sigma * clip * 0.015);
        Assert.Equal(0, sumOfThree.Average(), 0.01);
    }

    private static double Deviation(float[] values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }
}
