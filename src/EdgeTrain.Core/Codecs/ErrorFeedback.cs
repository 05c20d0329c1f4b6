using System.Numerics.Tensors;

namespace EdgeTrain.Core.Codecs;

/// <summary>
/// Error feedback for lossy codecs (top-k above all): the residual of one slice on the trainer.
/// Each step encodes update + residual and keeps what the payload did not carry as the next residual,
/// so nothing is lost, only delayed: the sum of decoded payloads plus the residual equals the sum of updates.
/// </summary>
public sealed class ErrorFeedback
{
    private readonly float[] residual;
    private readonly float[] decoded;

    /// <summary>Creates a zero residual for a slice of <paramref name="length"/> values.</summary>
    public ErrorFeedback(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        residual = new float[length];
        decoded = new float[length];
    }

    /// <summary>What has not been sent yet.</summary>
    public ReadOnlySpan<float> Residual => residual;

    /// <summary>Encodes <paramref name="update"/> plus the residual and keeps the part the payload lost.</summary>
    /// <exception cref="ArgumentException">the update's length is not the slice's, or a value is not finite.</exception>
    public byte[] EncodeWithFeedback(ITensorCodec codec, ReadOnlySpan<float> update)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (update.Length != residual.Length)
        {
            throw new ArgumentException($"update has {update.Length} values; the slice has {residual.Length}", nameof(update));
        }

        var corrected = decoded.AsSpan();
        TensorPrimitives.Add(update, residual, corrected);
        var payload = codec.Encode(corrected);
        corrected.CopyTo(residual);
        codec.Decode(payload, decoded, "error feedback");
        TensorPrimitives.Subtract(residual, decoded, residual);
        return payload;
    }

    /// <summary>Forgets the residual (for example when the slice's parameters are reloaded).</summary>
    public void Reset() => Array.Clear(residual);
}
