namespace EdgeTrain.Training.Data;

/// <summary>
/// Images and labels of one MNIST split, ready for training: each image is 784 floats,
/// normalised as <c>(pixel / 255 − 0.1307) / 0.3081</c> (the data set's mean and deviation).
/// </summary>
public sealed class MnistSet
{
    /// <summary>Pixels per image (28 × 28).</summary>
    public const int Pixels = 784;

    /// <summary>Number of classes (digits 0 to 9).</summary>
    public const int Classes = 10;

    internal const float Mean = 0.1307f;
    internal const float Deviation = 0.3081f;

    /// <summary>Creates a set from normalised images (Count × 784) and labels.</summary>
    public MnistSet(float[] images, byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Length != labels.Length * Pixels)
        {
            throw new ArgumentException($"{labels.Length} labels need {labels.Length * Pixels} pixels, not {images.Length}", nameof(images));
        }

        Images = images;
        Labels = labels;
    }

    /// <summary>Normalised pixels, image after image.</summary>
    public float[] Images { get; }

    /// <summary>The digit shown by each image.</summary>
    public byte[] Labels { get; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The subset made of the images at <paramref name="indices"/>, in that order.</summary>
    public MnistSet Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var images = new float[indices.Count * Pixels];
        var labels = new byte[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            Array.Copy(Images, indices[i] * Pixels, images, i * Pixels, Pixels);
            labels[i] = Labels[indices[i]];
        }

        return new MnistSet(images, labels);
    }
}
