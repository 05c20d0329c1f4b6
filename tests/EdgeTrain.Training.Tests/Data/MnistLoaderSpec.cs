using EdgeTrain.Core;
using EdgeTrain.Tests;
using EdgeTrain.Training.Data;

namespace EdgeTrain.Training.Tests.Data;

public sealed class MnistLoaderSpec : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Loads_the_shipped_splits_normalised()
    {
        var train = MnistLoader.LoadTrain(RepoPaths.Mnist);
        var test = MnistLoader.LoadTest(RepoPaths.Mnist);

        Assert.Equal(8_004, train.Count);
        Assert.Equal(1_996, test.Count);
        Assert.Equal(train.Count * MnistSet.Pixels, train.Images.Length);
        // black background is (0 - mean) / deviation; the mean over all pixels is near 0
        Assert.Equal(-0.1307f / 0.3081f, train.Images.Min(), 4);
        Assert.InRange(train.Images.Average(), -0.1, 0.1);
        Assert.Equal(10, train.Labels.Distinct().Count());
    }

    [Fact]
    public void A_missing_folder_names_the_folder_and_the_job_key()
    {
        var missing = temp.File("not-there");

        var e = Assert.Throws<InvalidInputException>(() => MnistLoader.LoadTrain(missing));

        Assert.Equal(missing, e.Source);
        Assert.Equal("data.path", e.Key);
    }

    [Fact]
    public void A_missing_file_names_both_accepted_names()
    {
        File.Copy(Path.Combine(RepoPaths.Mnist, "train-images-idx3-ubyte.gz"), temp.File("train-images-idx3-ubyte.gz"));

        var e = Assert.Throws<InvalidInputException>(() => MnistLoader.LoadTrain(temp.Path));

        Assert.Equal("train-labels-idx1-ubyte", e.Key);
        Assert.Contains("train-labels-idx1-ubyte.gz or train-labels-idx1-ubyte", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Image_and_label_counts_must_agree()
    {
        File.Copy(Path.Combine(RepoPaths.Mnist, "train-images-idx3-ubyte.gz"), temp.File("t10k-images-idx3-ubyte.gz"));
        File.Copy(Path.Combine(RepoPaths.Mnist, "t10k-labels-idx1-ubyte.gz"), temp.File("t10k-labels-idx1-ubyte.gz"));

        var e = Assert.Throws<InvalidInputException>(() => MnistLoader.LoadTest(temp.Path));

        Assert.Equal("count", e.Key);
        Assert.Contains("expected 8004 labels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Subset_keeps_images_with_their_labels()
    {
        var test = MnistLoader.LoadTest(RepoPaths.Mnist);

        var subset = test.Subset([5, 0]);

        Assert.Equal([test.Labels[5], test.Labels[0]], subset.Labels);
        Assert.Equal(test.Images.AsSpan(5 * MnistSet.Pixels, MnistSet.Pixels).ToArray(), subset.Images[..MnistSet.Pixels]);
    }
}
