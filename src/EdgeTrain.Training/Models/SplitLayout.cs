using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Parameters;

namespace EdgeTrain.Training.Models;

/// <summary>
/// How a split job's model is cut, by arithmetic alone (<see cref="ModelLayout"/>'s order): the layers in order,
/// the range of the flat vector that stays on the data nodes below the cut (<see cref="Bottom"/>), the split-server's
/// (<see cref="Server"/>), and with <see cref="SplitLabels.Client"/> the last layer's (<see cref="Top"/>, back on the
/// data nodes); the shape of one sample's activations at the cut and, for the U-shape, before the last layer; and the
/// job's slices, cut part by part so that no slice holds floats of both sides.
/// </summary>
public sealed class SplitLayout
{
    // the position of the cut's layer in Layers
    private readonly int cutIndex;

    private SplitLayout(ModelSpec model, SplitSpec split, IReadOnlyList<string> layers, int cutIndex, FloatRange bottom, FloatRange server, FloatRange top, long[] cutShape, long[] topShape)
    {
        this.cutIndex = cutIndex;
        Model = model;
        Split = split;
        Layers = layers;
        Bottom = bottom;
        Server = server;
        Top = top;
        CutShape = cutShape;
        TopShape = topShape;
    }

    /// <summary>The model that is cut.</summary>
    public ModelSpec Model { get; }

    /// <summary>Where it is cut, and where the loss is.</summary>
    public SplitSpec Split { get; }

    /// <summary>The model's layers with parameters, in order (<c>conv1</c>, <c>conv2</c>, <c>fc1</c>, …, <c>out</c>).</summary>
    public IReadOnlyList<string> Layers { get; }

    /// <summary>The data nodes' layers up to the cut.</summary>
    public FloatRange Bottom { get; }

    /// <summary>The split-server's layers.</summary>
    public FloatRange Server { get; }

    /// <summary>The data nodes' last layer with <see cref="SplitLabels.Client"/> (empty otherwise).</summary>
    public FloatRange Top { get; }

    /// <summary>One sample's activations at the cut (what a data node sends), without the batch dimension.</summary>
    public IReadOnlyList<long> CutShape { get; }

    /// <summary>With <see cref="SplitLabels.Client"/>: one sample's input to the last layer (what the split-server returns); empty otherwise.</summary>
    public IReadOnlyList<long> TopShape { get; }

    /// <summary>The layers the data nodes run below the cut.</summary>
    public IEnumerable<string> BottomLayers => Layers.Take(cutIndex + 1);

    /// <summary>The layers the split-server runs.</summary>
    public IEnumerable<string> ServerLayers => Layers.Skip(cutIndex + 1).SkipLast(Split.Labels == SplitLabels.Client ? 1 : 0);

    /// <summary>The layers the data nodes run above the server's (the last one, with <see cref="SplitLabels.Client"/>).</summary>
    public IEnumerable<string> TopLayers => Split.Labels == SplitLabels.Client ? [Layers[^1]] : [];

    /// <summary>Floats of one sample's activations at the cut.</summary>
    public int CutWidth => (int)CutShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Floats of one sample's input to the last layer (U-shape; 0 otherwise).</summary>
    public int TopWidth => TopShape.Count == 0 ? 0 : (int)TopShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The layers a split can be cut after, for <paramref name="model"/> and <paramref name="labels"/>.</summary>
    public static IReadOnlyList<string> CutPoints(ModelSpec model, SplitLabels labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        var names = LayerNames(model);
        // at least one layer on the server: before the last with the loss on the server, before the last two for the U-shape
        return [.. names.Take(names.Count - (labels == SplitLabels.Client ? 2 : 1))];
    }

    /// <summary>The cut of <paramref name="model"/>'s <see cref="ModelSpec.Split"/>.</summary>
    /// <exception cref="ArgumentException">the model has no split, or it names no layer it can be cut after.</exception>
    public static SplitLayout Of(ModelSpec model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var split = model.Split ?? throw new ArgumentException("the model is not split", nameof(model));
        var points = CutPoints(model, split.Labels);
        if (!points.Contains(split.CutAfter))
        {
            throw new ArgumentException(
                $"cannot cut a {model.Kind.ToString().ToLowerInvariant()} after '{split.CutAfter}' with labels on the {split.Labels.ToString().ToLowerInvariant()}: " +
                $"expected one of {(points.Count == 0 ? "(none: the model has too few layers)" : string.Join(", ", points))}", nameof(model));
        }

        var layout = ModelLayout.Of(model);
        var names = LayerNames(model);
        var cut = names.IndexOf(split.CutAfter);
        int StartOf(string layer) => layout.Entries.First(e => LayerOf(e.Name) == layer).Offset;
        var serverStart = StartOf(names[cut + 1]);
        var topStart = split.Labels == SplitLabels.Client ? StartOf(names[^1]) : layout.TotalFloats;
        long[] topShape = split.Labels == SplitLabels.Client ? [model.Hidden[^1]] : [];
        return new SplitLayout(model, split, names, cut, new FloatRange(0, serverStart), new FloatRange(serverStart, topStart - serverStart),
            new FloatRange(topStart, layout.TotalFloats - topStart), CutShapeAfter(model, split.CutAfter), topShape);
    }

    /// <summary>
    /// The job's slice lengths: each of <see cref="Bottom"/>, <see cref="Server"/> and <see cref="Top"/> cut into slices
    /// of at most <paramref name="sliceFloats"/> floats, in that order.
    /// </summary>
    public int[] SliceLengths(int sliceFloats) =>
        [.. new[] { Bottom, Server, Top }.Where(r => r.Length > 0).SelectMany(r => new SlicePlan(r.Length, sliceFloats).Slices.Select(s => s.Length))];

    /// <summary>The indices of the job's slices (of <see cref="SliceLengths"/>) that the data nodes hold: the bottom's, then the top's.</summary>
    public int[] ClientSlices(int sliceFloats) => SlicesIn(sliceFloats, Bottom, Top);

    /// <summary>The indices of the job's slices that the split-server holds.</summary>
    public int[] ServerSlices(int sliceFloats) => SlicesIn(sliceFloats, Server);

    // the layers with parameters, as ModelLayout names them
    private static List<string> LayerNames(ModelSpec model) => [.. ModelLayout.Of(model with { Split = null }).Entries.Select(e => LayerOf(e.Name)).Distinct()];

    // "features.conv1.weight" → "conv1"
    private static string LayerOf(string parameter)
    {
        var parts = parameter.Split('.');
        return parts[^2];
    }

    private static long[] CutShapeAfter(ModelSpec model, string layer) => (model.Kind, layer) switch
    {
        (ModelKind.Cnn, "conv1") => [model.ConvChannels[0], 26, 26],
        (ModelKind.Cnn, "conv2") => [model.ConvChannels[1] * 12 * 12], // pooled, dropped out and flattened
        _ when layer.StartsWith("fc", StringComparison.Ordinal) => [model.Hidden[int.Parse(layer[2..], System.Globalization.CultureInfo.InvariantCulture) - 1]],
        _ => throw new ArgumentException($"no activations after layer {layer}", nameof(layer)),
    };

    private int[] SlicesIn(int sliceFloats, params FloatRange[] ranges)
    {
        var plan = new SlicePlan(SliceLengths(sliceFloats));
        return [.. plan.Slices.Where(s => ranges.Any(r => r.Length > 0 && s.Offset >= r.Offset && s.Offset < r.Offset + r.Length)).Select(s => s.Index)];
    }
}
