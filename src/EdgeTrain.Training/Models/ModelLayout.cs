using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Training.Data;
using EdgeTrain.Training.Parameters;

namespace EdgeTrain.Training.Models;

/// <summary>
/// The parameters of the model a <see cref="ModelSpec"/> describes, worked out by arithmetic alone:
/// each tensor's name, shape and place in the flat vector, in the order <see cref="ModelFactory"/>'s
/// module registers them (the order of <see cref="FlatParameterView"/>), and the seeded initial values
/// (<see cref="ParameterInitializer"/>'s draws). The coordinator cuts a job into slices and creates
/// them from this, without building a TorchSharp module or loading libtorch.
/// </summary>
public sealed class ModelLayout
{
    private readonly ModelSpec spec;

    private ModelLayout(ModelSpec spec, IReadOnlyList<ParameterLayoutEntry> entries)
    {
        this.spec = spec;
        Entries = entries;
        TotalFloats = entries.Count == 0 ? 0 : entries[^1].Offset + entries[^1].Length;
    }

    /// <summary>Name, shape, offset and length of each parameter tensor, in flat order.</summary>
    public IReadOnlyList<ParameterLayoutEntry> Entries { get; }

    /// <summary>The model's parameter count: the length of its flat vector.</summary>
    public int TotalFloats { get; }

    /// <summary>The layout of <paramref name="spec"/>'s model for MNIST-shaped input.</summary>
    /// <exception cref="ArgumentException">the spec describes no model that can be built (a non-positive width, a CNN without two convolutions).</exception>
    public static ModelLayout Of(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var builder = new Builder();
        switch (spec.Kind)
        {
            case ModelKind.Mlp:
                builder.Dense("layers", MnistSet.Pixels, spec.Hidden, MnistSet.Classes);
                break;
            case ModelKind.Cnn:
                if (spec.ConvChannels.Count != 2)
                {
                    throw new ArgumentException("the CNN has exactly two convolutions", nameof(spec));
                }

                builder.Add("features.conv1.weight", spec.ConvChannels[0], 1, 3, 3);
                builder.Add("features.conv1.bias", spec.ConvChannels[0]);
                builder.Add("features.conv2.weight", spec.ConvChannels[1], spec.ConvChannels[0], 3, 3);
                builder.Add("features.conv2.bias", spec.ConvChannels[1]);

                // 28 → 26 → 24 after the convolutions, 12 after pooling
                builder.Dense("classifier", spec.ConvChannels[1] * 12 * 12, spec.Hidden, MnistSet.Classes);
                break;
            case ModelKind.CharTransformer:
                builder.Transformer(spec.Transformer ?? throw new ArgumentException("a char-transformer needs its sizes (model.transformer)", nameof(spec)));
                break;
            default:
                throw new ArgumentException($"unknown model kind {spec.Kind}", nameof(spec));
        }

        return new ModelLayout(spec, builder.Entries);
    }

    /// <summary>
    /// The lengths of the slices the flat vector is cut into at <paramref name="sliceFloats"/> floats per slice; a split
    /// model's part by part (<see cref="SplitLayout.SliceLengths"/>).
    /// </summary>
    public int[] SliceLengths(int sliceFloats) => spec.Split is null
        ? [.. new SlicePlan(TotalFloats, sliceFloats).Slices.Select(s => s.Length)]
        : SplitLayout.Of(spec).SliceLengths(sliceFloats);

    /// <summary>
    /// The initial values every node starts from for <paramref name="seed"/>: the same bits that
    /// <see cref="ModelFactory.Create"/> puts into the module.
    /// </summary>
    public float[] InitialValues(int seed) => ParameterInitializer.Draw(Entries, TotalFloats, seed);

    /// <summary>The initial values cut into the slices of <see cref="SliceLengths"/>.</summary>
    public float[][] InitialSlices(int seed, int sliceFloats)
    {
        var flat = InitialValues(seed);
        var plan = new SlicePlan(SliceLengths(sliceFloats));
        return [.. plan.Slices.Select(s => flat.AsSpan(s.Offset, s.Length).ToArray())];
    }

    private sealed class Builder
    {
        public List<ParameterLayoutEntry> Entries { get; } = [];

        private int offset;

        public void Add(string name, params long[] shape)
        {
            long length = 1;
            foreach (var d in shape)
            {
                if (d <= 0)
                {
                    throw new ArgumentException($"parameter {name} would have shape [{string.Join(", ", shape)}]; every size must be positive");
                }

                length *= d;
            }

            var size = checked((int)length);
            Entries.Add(new ParameterLayoutEntry(name, shape, offset, size));
            offset = checked(offset + size);
        }

        // CharTransformerModel's parameters, in its registration order
        public void Transformer(TransformerSpec t)
        {
            if (t.Problem() is { } problem)
            {
                throw new ArgumentException(problem);
            }

            long w = t.Width;
            Add("tokenEmbedding.weight", t.Vocabulary, w);
            Add("positionEmbedding.weight", t.Context, w);
            for (var b = 0; b < t.Layers; b++)
            {
                var block = $"blocks.{b}";
                Add($"{block}.norm1.weight", w);
                Add($"{block}.norm1.bias", w);
                Add($"{block}.attention.qkv.weight", 3 * w, w);
                Add($"{block}.attention.qkv.bias", 3 * w);
                Add($"{block}.attention.proj.weight", w, w);
                Add($"{block}.attention.proj.bias", w);
                Add($"{block}.norm2.weight", w);
                Add($"{block}.norm2.bias", w);
                Add($"{block}.mlpIn.weight", 4 * w, w);
                Add($"{block}.mlpIn.bias", 4 * w);
                Add($"{block}.mlpOut.weight", w, 4 * w);
                Add($"{block}.mlpOut.bias", w);
            }

            Add("norm.weight", w);
            Add("norm.bias", w);
            Add("head.weight", t.Vocabulary, w);
        }

        // Linear layers fc1..fcN of the hidden widths, then out; the module's names are {prefix}.{layer}.{weight|bias}
        public void Dense(string prefix, int inputs, IReadOnlyList<int> hidden, int classes)
        {
            var width = inputs;
            for (var i = 0; i < hidden.Count; i++)
            {
                Add($"{prefix}.fc{i + 1}.weight", hidden[i], width);
                Add($"{prefix}.fc{i + 1}.bias", hidden[i]);
                width = hidden[i];
            }

            Add($"{prefix}.out.weight", classes, width);
            Add($"{prefix}.out.bias", classes);
        }
    }
}
