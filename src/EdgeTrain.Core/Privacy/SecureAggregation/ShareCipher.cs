using System.Security.Cryptography;
using System.Text;

namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>
/// Encrypts the shares one trainer sends another through the aggregator, so that the aggregator, which
/// routes them, cannot read them: AES-256-GCM under a key from ECDH between the two trainers' cipher keys
/// and HKDF-SHA256 bound to the round, with the round and the direction (from → to) as associated data.
/// A sealed box is nonce (12 bytes) ‖ tag (16) ‖ ciphertext.
/// </summary>
public static class ShareCipher
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <summary>Encrypts <paramref name="plaintext"/> from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static byte[] Seal(ECDiffieHellman mine, byte[] theirs, string roundId, int from, int to, ReadOnlySpan<byte> plaintext)
    {
        var box = new byte[NonceBytes + TagBytes + plaintext.Length];
        var nonce = box.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Key(mine, theirs, roundId, from, to), TagBytes);
        aes.Encrypt(nonce, plaintext, box.AsSpan(NonceBytes + TagBytes), box.AsSpan(NonceBytes, TagBytes), Associated(roundId, from, to));
        return box;
    }

    /// <summary>Decrypts a box from <paramref name="from"/> to <paramref name="to"/>.</summary>
    /// <exception cref="InvalidInputException">the box is too short, or was not sealed by that pair for this round (tampered, replayed, misrouted).</exception>
    public static byte[] Open(ECDiffieHellman mine, byte[] theirs, string roundId, int from, int to, byte[] box)
    {
        ArgumentNullException.ThrowIfNull(box);
        var source = $"secure round {roundId}";
        if (box.Length < NonceBytes + TagBytes)
        {
            throw new InvalidInputException(source, $"shares from participant {from}", $"{box.Length} bytes; expected at least {NonceBytes + TagBytes}");
        }

        var plaintext = new byte[box.Length - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(Key(mine, theirs, roundId, from, to), TagBytes);
            aes.Decrypt(box.AsSpan(0, NonceBytes), box.AsSpan(NonceBytes + TagBytes), box.AsSpan(NonceBytes, TagBytes), plaintext, Associated(roundId, from, to));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new InvalidInputException(source, $"shares from participant {from}", $"they do not authenticate as sealed by participant {from} for participant {to} in this round");
        }
    }

    /// <summary>The public key in <paramref name="subjectPublicKeyInfo"/>.</summary>
    /// <exception cref="InvalidInputException">the bytes are not a P-256 public key.</exception>
    public static ECDiffieHellmanPublicKey PublicKey(byte[] subjectPublicKeyInfo, string source)
    {
        try
        {
            using var key = ECDiffieHellman.Create();
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
            return key.ExportParameters(false).Curve.Oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value
                ? key.PublicKey
                : throw new InvalidInputException(source, "public key", "expected a P-256 key");
        }
        catch (CryptographicException e)
        {
            throw new InvalidInputException(source, "public key", $"not a public key ({e.Message})");
        }
    }

    private static byte[] Key(ECDiffieHellman mine, byte[] theirs, string roundId, int from, int to)
    {
        using var other = PublicKey(theirs, $"secure round {roundId}");
        var shared = mine.DeriveRawSecretAgreement(other);
        try
        {
            var (low, high) = from < to ? (from, to) : (to, from);
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, Encoding.UTF8.GetBytes(roundId), Encoding.UTF8.GetBytes($"edgetrain secagg shares {low}-{high}"));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    private static byte[] Associated(string roundId, int from, int to) => Encoding.UTF8.GetBytes($"{roundId}|{from}->{to}");
}
