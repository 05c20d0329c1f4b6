namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>
/// The public keys a trainer advertises for one secure round (each a P-256 key as SubjectPublicKeyInfo):
/// <paramref name="Cipher"/> encrypts the shares it exchanges with its neighbours, <paramref name="Mask"/>
/// agrees its pair masks with them.
/// </summary>
public sealed record ParticipantKeys(byte[] Cipher, byte[] Mask)
{
    /// <summary>Whether both keys are byte for byte those of <paramref name="other"/>.</summary>
    public bool SameAs(ParticipantKeys other) =>
        other is not null && Cipher.AsSpan().SequenceEqual(other.Cipher) && Mask.AsSpan().SequenceEqual(other.Mask);
}
