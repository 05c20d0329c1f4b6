namespace EdgeTrain.Core.Codecs;

/// <summary>
/// Encodes a slice of float32 values into a self-describing little-endian payload (a kind byte, the
/// element count, then the codec's body) and decodes or merges such payloads. Decoding and merging
/// validate the whole payload before writing anything, so a rejected payload leaves the destination untouched.
/// </summary>
public interface ITensorCodec
{
    /// <summary>The encoding this codec writes and accepts.</summary>
    CodecKind Kind { get; }

    /// <summary>Encodes <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentException">a value is NaN or infinite.</exception>
    byte[] Encode(ReadOnlySpan<float> values);

    /// <summary>Decodes <paramref name="payload"/> into <paramref name="destination"/> (every element is written).</summary>
    /// <param name="payload">The encoded slice.</param>
    /// <param name="destination">Receives the values; its length must equal the payload's element count.</param>
    /// <param name="source">Where the payload came from, for error messages (for example <c>contribution job-1:3</c>).</param>
    /// <exception cref="InvalidInputException">the payload is malformed; <paramref name="destination"/> is untouched.</exception>
    void Decode(ReadOnlySpan<byte> payload, Span<float> destination, string source);

    /// <summary>Adds <paramref name="weight"/> times the decoded payload to <paramref name="accumulator"/>.</summary>
    /// <param name="payload">The encoded slice.</param>
    /// <param name="accumulator">The running sum; its length must equal the payload's element count.</param>
    /// <param name="weight">The payload's weight.</param>
    /// <param name="source">Where the payload came from, for error messages.</param>
    /// <exception cref="InvalidInputException">the payload is malformed; <paramref name="accumulator"/> is untouched.</exception>
    void MergeInto(ReadOnlySpan<byte> payload, Span<float> accumulator, float weight, string source);
}
