namespace EdgeTrain.Core.Jobs;

/// <summary>The model families a job can train.</summary>
public enum ModelKind
{
    /// <summary>Multi-layer perceptron on the flattened image.</summary>
    Mlp,

    /// <summary>Small convolutional network: two 3×3 convolutions, max-pool, dropout, two linear layers.</summary>
    Cnn,

    /// <summary>A GPT-style character-level language model (<see cref="TransformerSpec"/>).</summary>
    CharTransformer,
}

/// <summary>Which model a job trains and its sizes.</summary>
/// <param name="Kind">Model family.</param>
/// <param name="Hidden">Hidden layer widths of the fully connected part (MLP: all layers; CNN: after the convolutions).</param>
/// <param name="ConvChannels">CNN only: output channels of the two convolutions.</param>
/// <param name="Dropout">Dropout probability in [0, 1) (CNN only; 0 turns it off).</param>
public sealed record ModelSpec(ModelKind Kind, IReadOnlyList<int> Hidden, IReadOnlyList<int> ConvChannels, double Dropout)
{
    // Held as plain arrays whatever the caller passed: collection expressions produce
    // compiler-generated list types that a serializer's allow-list rightly refuses.

    /// <summary>Hidden layer widths.</summary>
    public IReadOnlyList<int> Hidden { get; init; } = Hidden?.ToArray() ?? Array.Empty<int>();

    /// <summary>CNN convolution channels.</summary>
    public IReadOnlyList<int> ConvChannels { get; init; } = ConvChannels?.ToArray() ?? Array.Empty<int>();

    /// <summary>The language model's sizes (<see cref="ModelKind.CharTransformer"/> only; null otherwise).</summary>
    public TransformerSpec? Transformer { get; init; }

    /// <summary>A split job: which layers run on the data nodes and which on the split-server (null: every trainer runs the whole model).</summary>
    public SplitSpec? Split { get; init; }
}
