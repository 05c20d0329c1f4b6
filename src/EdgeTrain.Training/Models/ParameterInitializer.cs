using EdgeTrain.Training.Parameters;

namespace EdgeTrain.Training.Models;

/// <summary>
/// Seeded, process-independent initialisation: every weight and bias is drawn from
/// U(−1/√fan_in, 1/√fan_in), the distribution PyTorch's Linear and Conv2d use by default
/// (Kaiming-uniform with a = √5), where fan_in is the product of the weight's dimensions
/// after the first. The draws come from a <see cref="Random"/> seeded by the job, not from
/// libtorch's global generator, so every node, thread and device starts from the same bits.
/// </summary>
public static class ParameterInitializer
{
    /// <summary>Overwrites every parameter of <paramref name="module"/> with seeded draws.</summary>
    public static void Initialize(TorchSharp.torch.nn.Module module, int seed)
    {
        var view = new FlatParameterView(module);
        view.CopyFrom(Draw(view.Layout, view.TotalFloats, seed));
    }

    /// <summary>The seeded draws for parameters laid out as <paramref name="layout"/> (a flat vector of <paramref name="totalFloats"/>).</summary>
    public static float[] Draw(IReadOnlyList<ParameterLayoutEntry> layout, int totalFloats, int seed)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var flat = new float[totalFloats];
        var random = new Random(seed);
        long fanIn = 1;
        foreach (var entry in layout)
        {
            // a weight sets the fan-in; the bias that follows it shares it
            if (entry.Shape.Count > 1)
            {
                fanIn = 1;
                for (var d = 1; d < entry.Shape.Count; d++)
                {
                    fanIn *= entry.Shape[d];
                }
            }

            var bound = 1.0 / Math.Sqrt(fanIn);
            var values = flat.AsSpan(entry.Offset, entry.Length);
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)(((random.NextDouble() * 2) - 1) * bound);
            }
        }

        return flat;
    }
}
