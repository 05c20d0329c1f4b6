namespace EdgeTrain.Core.Codecs;

/// <summary>
/// Encodes the updates of one sender (a trainer, or an aggregator) slice by slice with one codec.
/// With error feedback on and a lossy codec, each slice keeps an <see cref="ErrorFeedback"/>: what
/// the codec dropped from one update is added to the next, so nothing is lost for good, only
/// delayed. The residuals live only here (on the sender); a sender that restarts starts from zero.
/// </summary>
public sealed class SliceEncoder
{
    private readonly ITensorCodec codec;
    private readonly ErrorFeedback?[] feedback;

    /// <summary>An encoder for slices of <paramref name="sliceLengths"/> floats.</summary>
    /// <param name="spec">The codec.</param>
    /// <param name="errorFeedback">Keep residuals for a lossy codec (ignored for <see cref="CodecKind.None"/>, which loses nothing).</param>
    /// <param name="sliceLengths">Floats per slice.</param>
    public SliceEncoder(CodecSpec spec, bool errorFeedback, IReadOnlyList<int> sliceLengths)
    {
        ArgumentNullException.ThrowIfNull(sliceLengths);
        codec = TensorCodecs.For(spec);
        Spec = spec;
        var keep = errorFeedback && spec.Kind != CodecKind.None;
        feedback = sliceLengths.Select(length => keep ? new ErrorFeedback(length) : null).ToArray();
    }

    /// <summary>The codec's description.</summary>
    public CodecSpec Spec { get; }

    /// <summary>Whether residuals are kept.</summary>
    public bool HasErrorFeedback => feedback.Length > 0 && feedback[0] is not null;

    /// <summary>Encodes <paramref name="update"/> for <paramref name="slice"/>, with the slice's residual added when error feedback is on.</summary>
    /// <exception cref="ArgumentException">the update holds a non-finite value or has the wrong length.</exception>
    public byte[] Encode(int slice, ReadOnlySpan<float> update)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slice);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slice, feedback.Length);
        var residual = feedback[slice];
        return residual is null ? codec.Encode(update) : residual.EncodeWithFeedback(codec, update);
    }

    /// <summary>The residual still waiting in <paramref name="slice"/> (empty without error feedback).</summary>
    public ReadOnlySpan<float> Residual(int slice) => feedback[slice] is { } f ? f.Residual : [];

    /// <summary>Forgets every residual (after the parameters were replaced, e.g. a rollback).</summary>
    public void Reset()
    {
        foreach (var f in feedback)
        {
            f?.Reset();
        }
    }
}
