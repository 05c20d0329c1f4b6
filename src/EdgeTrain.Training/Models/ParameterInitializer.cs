using EdgeTrain.Training.Parameters;

namespace EdgeTrain.Training.Models;

/// <summary>
/// Seeded, process-independent initialisation: every weight and bias is drawn from
/// U(−1/√fan_in, 1/√fan_in), the distribution PyTorch's Linear and Conv2d use by default
/// (Kaiming-uniform with a = √5), where fan_in is the product of the weight's dimensions
/// after the first. The language model's parameters (<see cref="CharTransformerModel"/>) are drawn as GPT-2
/// draws them instead: embeddings and linear weights from N(0, 0.02²), the residual projections' from
/// N(0, (0.02/√(2·layers))²), biases 0 and layer norms' weights 1. The draws come from a <see cref="Random"/>
/// seeded by the job, not from libtorch's global generator, so every node, thread and device starts from the same bits.
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
        var blocks = layout.Select(e => e.Name.Split('.')).Where(n => n[0] == "blocks").Select(n => n[1]).Distinct(StringComparer.Ordinal).Count();
        foreach (var entry in layout)
        {
            if (IsTransformer(entry.Name))
            {
                DrawTransformer(entry, flat.AsSpan(entry.Offset, entry.Length), random, blocks);
                continue;
            }

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

    private static readonly HashSet<string> TransformerParts = new(StringComparer.Ordinal) { "tokenEmbedding", "positionEmbedding", "blocks", "norm", "head" };

    private static bool IsTransformer(string name) => TransformerParts.Contains(name.Split('.')[0]);

    private static void DrawTransformer(ParameterLayoutEntry entry, Span<float> values, Random random, int blocks)
    {
        var parts = entry.Name.Split('.');
        var (layer, kind) = (parts[^2], parts[^1]);
        if (layer.StartsWith("norm", StringComparison.Ordinal) && kind == "weight")
        {
            values.Fill(1f);
            return;
        }

        if (kind == "bias")
        {
            values.Clear();
            return;
        }

        // GPT-2: the projections into the residual stream shrink with depth, so that the sum of the blocks' outputs does not grow
        var deviation = layer is "proj" or "mlpOut" ? 0.02 / Math.Sqrt(2.0 * Math.Max(1, blocks)) : 0.02;
        for (var i = 0; i < values.Length; i++)
        {
            // Box–Muller on the seeded generator
            var u = 1.0 - random.NextDouble();
            var z = Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * random.NextDouble());
            values[i] = (float)(z * deviation);
        }
    }
}
