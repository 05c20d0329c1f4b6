using static TorchSharp.torch;

namespace EdgeTrain.Training.Split;

/// <summary>Activations and gradients between tensors and the flat float arrays the codecs encode.</summary>
internal static class SplitTensors
{
    /// <summary>The values of <paramref name="tensor"/>, row-major, as a new array.</summary>
    public static float[] ToArray(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>
    /// <paramref name="values"/> as a tensor of <paramref name="rows"/> samples of <paramref name="shape"/> on
    /// <paramref name="device"/>, outside any dispose scope (the caller disposes it).
    /// </summary>
    /// <exception cref="ArgumentException">the values are not <paramref name="rows"/> samples of that shape.</exception>
    public static Tensor FromArray(float[] values, int rows, IReadOnlyList<long> shape, Device device, bool requiresGrad)
    {
        long[] dims = [rows, .. shape];
        var expected = dims.Aggregate(1L, (a, b) => a * b);
        if (values.Length != expected)
        {
            throw new ArgumentException($"expected {rows} samples of [{string.Join(" x ", shape)}] ({expected} floats), found {values.Length}", nameof(values));
        }

        using var scope = NewDisposeScope();
        var t = tensor(values, dims).to(device);
        if (requiresGrad)
        {
            t = t.detach().requires_grad_(true);
        }

        return t.DetachFromDisposeScope();
    }
}
