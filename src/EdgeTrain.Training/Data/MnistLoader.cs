using EdgeTrain.Core;

namespace EdgeTrain.Training.Data;

/// <summary>
/// Loads an MNIST folder: <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
/// <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c>, each plain or with <c>.gz</c>.
/// Checks that images are 28 × 28, that image and label counts agree and that labels are digits.
/// </summary>
public static class MnistLoader
{
    /// <summary>Loads the training split of the folder.</summary>
    public static MnistSet LoadTrain(string folder) => Load(folder, "train");

    /// <summary>Loads the test split of the folder.</summary>
    public static MnistSet LoadTest(string folder) => Load(folder, "t10k");

    /// <summary>Loads one split: <paramref name="prefix"/> is <c>train</c> or <c>t10k</c>.</summary>
    /// <exception cref="InvalidInputException">the folder or a file is missing or malformed.</exception>
    public static MnistSet Load(string folder, string prefix)
    {
        if (!Directory.Exists(folder))
        {
            throw new InvalidInputException(folder, "data.path", "folder not found (expected an MNIST folder with IDX files)");
        }

        var imagesPath = Find(folder, $"{prefix}-images-idx3-ubyte");
        var labelsPath = Find(folder, $"{prefix}-labels-idx1-ubyte");
        var images = IdxReader.Read(imagesPath, 3);
        var labels = IdxReader.Read(labelsPath, 1);
        if (images.Dimensions[1] != 28 || images.Dimensions[2] != 28)
        {
            throw new InvalidInputException(imagesPath, "dimensions",
                $"expected 28x28 images, found {images.Dimensions[1]}x{images.Dimensions[2]}");
        }

        if (images.Count != labels.Count)
        {
            throw new InvalidInputException(labelsPath, "count",
                $"expected {images.Count} labels to match {Path.GetFileName(imagesPath)}, found {labels.Count}");
        }

        for (var i = 0; i < labels.Values.Length; i++)
        {
            if (labels.Values[i] >= MnistSet.Classes)
            {
                throw new InvalidInputException(labelsPath, $"label {i}", $"expected a digit 0-9, found {labels.Values[i]}");
            }
        }

        return new MnistSet(Normalise(images.Values), labels.Values);
    }

    private static string Find(string folder, string name)
    {
        var plain = Path.Combine(folder, name);
        var gz = plain + ".gz";
        if (File.Exists(gz))
        {
            return gz;
        }

        if (File.Exists(plain))
        {
            return plain;
        }

        throw new InvalidInputException(folder, name, $"file not found (expected {name}.gz or {name})");
    }

    private static float[] Normalise(byte[] pixels)
    {
        var result = new float[pixels.Length];
        const float scale = 1f / (255f * MnistSet.Deviation);
        const float shift = MnistSet.Mean / MnistSet.Deviation;
        for (var i = 0; i < pixels.Length; i++)
        {
            result[i] = (pixels[i] * scale) - shift;
        }

        return result;
    }
}
