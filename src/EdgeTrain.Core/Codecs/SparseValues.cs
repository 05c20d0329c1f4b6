namespace EdgeTrain.Core.Codecs;

/// <summary>
/// Exact values at a few positions of a slice, for sending a slice's changes since a version
/// instead of the whole slice: the <see cref="CodecKind.TopK"/> payload format (ascending varint
/// index deltas, float32 values) whose entries overwrite the receiver's copy rather than add to it.
/// Lossless: the receiver ends with the sender's bits at every listed position.
/// </summary>
public static class SparseValues
{
    /// <summary>The values of <paramref name="slice"/> at <paramref name="indices"/> (ascending, distinct).</summary>
    /// <exception cref="ArgumentException">an index is out of range, repeated or out of order.</exception>
    public static byte[] Gather(ReadOnlySpan<float> slice, int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return TopKCodec.EncodeAt(slice, indices);
    }

    /// <summary>
    /// Overwrites <paramref name="destination"/> at the payload's positions. The whole payload is
    /// validated first (see <see cref="CodecKind.TopK"/>); a bad one throws and changes nothing.
    /// </summary>
    /// <exception cref="InvalidInputException">the payload is malformed or is for another length; <paramref name="source"/> names it.</exception>
    public static void ScatterInto(ReadOnlySpan<byte> payload, Span<float> destination, string source) =>
        new TopKCodec(1, quantized: false).ScatterInto(payload, destination, source);
}
