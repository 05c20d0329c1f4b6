using System.Numerics.Tensors;

namespace EdgeTrain.Core.Codecs;

/// <summary>A codec that stores every element: validates the whole body, then decodes ranges of it.</summary>
internal abstract class DenseCodec : ITensorCodec
{
    private const int Chunk = 1_024;

    public abstract CodecKind Kind { get; }

    public abstract byte[] Encode(ReadOnlySpan<float> values);

    public void Decode(ReadOnlySpan<byte> payload, Span<float> destination, string source)
    {
        var body = PayloadHeader.Open(payload, Kind, destination.Length, source);
        Validate(body, destination.Length, source);
        DecodeRange(body, destination.Length, 0, destination);
    }

    public void MergeInto(ReadOnlySpan<byte> payload, Span<float> accumulator, float weight, string source)
    {
        var body = PayloadHeader.Open(payload, Kind, accumulator.Length, source);
        Validate(body, accumulator.Length, source);
        MergeRange(body, accumulator.Length, accumulator, weight);
    }

    /// <summary>
    /// Adds <paramref name="weight"/> times the decoded elements of a validated body to <paramref name="accumulator"/>
    /// (all <paramref name="count"/> of them): each product is rounded to float32 before it is added.
    /// This one decodes chunks into a stack buffer; a codec can fuse the two steps.
    /// </summary>
    protected virtual void MergeRange(ReadOnlySpan<byte> body, int count, Span<float> accumulator, float weight)
    {
        Span<float> buffer = stackalloc float[Chunk];
        for (var start = 0; start < accumulator.Length; start += Chunk)
        {
            var part = accumulator.Slice(start, Math.Min(Chunk, accumulator.Length - start));
            var decoded = buffer[..part.Length];
            DecodeRange(body, count, start, decoded);
            TensorPrimitives.MultiplyAdd(decoded, weight, part, part);
        }
    }

    /// <summary>Throws unless <paramref name="body"/> is a well-formed body for <paramref name="count"/> elements.</summary>
    protected abstract void Validate(ReadOnlySpan<byte> body, int count, string source);

    /// <summary>Decodes elements <paramref name="start"/> onwards of a validated body into <paramref name="destination"/>.</summary>
    protected abstract void DecodeRange(ReadOnlySpan<byte> body, int count, int start, Span<float> destination);

    /// <summary>Throws <see cref="ArgumentException"/> when a value to encode is NaN or infinite.</summary>
    protected static void RequireFinite(ReadOnlySpan<float> values)
    {
        var index = Aggregation.PayloadCheck.FirstNonFinite(values);
        if (index >= 0)
        {
            throw new ArgumentException(
                PayloadHeader.Invariant($"value {index} is {values[index]}; only finite values can be encoded"),
                nameof(values));
        }
    }
}
