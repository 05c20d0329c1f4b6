using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Parameters;

/// <summary>
/// A fixed view of a module's parameters as one flat <c>float</c> vector. Order: the order of the
/// module's <c>named_parameters()</c> (registration order: for each layer its weight, then its bias);
/// each tensor contributes its values in row-major order. <see cref="Layout"/> lists name, shape and
/// offset of each. The view copies: it never aliases tensor memory, so the flat vector can be
/// sliced, encoded and sent while the module goes on training.
/// </summary>
public sealed class FlatParameterView
{
    private readonly Parameter[] parameters;

    /// <summary>Builds the view of <paramref name="module"/>'s float32 parameters.</summary>
    /// <exception cref="ArgumentException">a parameter is not float32, or the total exceeds 2³¹ floats.</exception>
    public FlatParameterView(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var entries = new List<ParameterLayoutEntry>();
        var tensors = new List<Parameter>();
        long offset = 0;
        foreach (var (name, parameter) in module.named_parameters())
        {
            if (parameter.dtype != ScalarType.Float32)
            {
                throw new ArgumentException($"parameter {name} is {parameter.dtype}; the flat view holds float32 only", nameof(module));
            }

            var length = parameter.numel();
            entries.Add(new ParameterLayoutEntry(name, parameter.shape, checked((int)offset), checked((int)length)));
            tensors.Add(parameter);
            offset += length;
        }

        TotalFloats = checked((int)offset);
        Layout = entries;
        parameters = [.. tensors];
    }

    /// <summary>Name, shape, offset and length of each parameter tensor, in flat order.</summary>
    public IReadOnlyList<ParameterLayoutEntry> Layout { get; }

    /// <summary>Length of the flat vector: the model's parameter count.</summary>
    public int TotalFloats { get; }

    /// <summary>A new array holding the current parameters.</summary>
    public float[] ToArray()
    {
        var flat = new float[TotalFloats];
        CopyTo(flat);
        return flat;
    }

    /// <summary>Copies the current parameters into <paramref name="destination"/> (length <see cref="TotalFloats"/>).</summary>
    public void CopyTo(Span<float> destination)
    {
        RequireLength(destination.Length);
        for (var i = 0; i < parameters.Length; i++)
        {
            var entry = Layout[i];
            using var host = parameters[i].detach().cpu().contiguous();
            HostSpan(host).CopyTo(destination.Slice(entry.Offset, entry.Length));
        }
    }

    /// <summary>
    /// Copies the gradients left by the last backward pass into <paramref name="destination"/>, in
    /// the same layout as the parameters (zeros for a parameter without a gradient).
    /// </summary>
    public void CopyGradientsTo(Span<float> destination)
    {
        RequireLength(destination.Length);
        for (var i = 0; i < parameters.Length; i++)
        {
            var entry = Layout[i];
            var target = destination.Slice(entry.Offset, entry.Length);
            using var grad = parameters[i].grad;
            if (grad is null)
            {
                target.Clear();
                continue;
            }

            using var host = grad.detach().cpu().contiguous();
            HostSpan(host).CopyTo(target);
        }
    }

    /// <summary>Overwrites the module's parameters with <paramref name="source"/> (length <see cref="TotalFloats"/>).</summary>
    public void CopyFrom(ReadOnlySpan<float> source)
    {
        RequireLength(source.Length);
        using var noGrad = no_grad();
        for (var i = 0; i < parameters.Length; i++)
        {
            var entry = Layout[i];
            var values = source.Slice(entry.Offset, entry.Length);
            var parameter = parameters[i];
            if (parameter.device_type == DeviceType.CPU && parameter.is_contiguous())
            {
                values.CopyTo(HostSpan(parameter));
            }
            else
            {
                using var host = zeros(parameter.shape, ScalarType.Float32);
                values.CopyTo(HostSpan(host));
                parameter.copy_(host);
            }
        }
    }

    // Host memory of a contiguous float32 CPU tensor.
    private static Span<float> HostSpan(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.bytes);

    private void RequireLength(int length)
    {
        if (length != TotalFloats)
        {
            throw new ArgumentException($"the model has {TotalFloats} parameters, the vector {length}");
        }
    }
}
