using System.Security.Cryptography;
using System.Text;

namespace EdgeTrain.Core.Privacy.SecureAggregation;

/// <summary>
/// The pairwise mask seed two trainers agree on without sending it: ECDH on P-256 (.NET's own
/// cryptography) and HKDF-SHA256 over the shared secret, bound to the round and to the ordered pair, so
/// the seed of (i, j) in one round says nothing of another pair or round.
/// </summary>
public static class PairwiseSeeds
{
    /// <summary>A new key-agreement key pair for one round.</summary>
    public static ECDiffieHellman NewKey() => ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The seed of the pair (<paramref name="self"/>, <paramref name="other"/>) in <paramref name="round"/>; both sides get the same.</summary>
    public static byte[] Derive(ECDiffieHellman mine, ECDiffieHellmanPublicKey theirs, string round, int self, int other)
    {
        ArgumentNullException.ThrowIfNull(mine);
        ArgumentNullException.ThrowIfNull(theirs);
        ArgumentNullException.ThrowIfNull(round);
        var shared = mine.DeriveRawSecretAgreement(theirs);
        try
        {
            var (low, high) = self < other ? (self, other) : (other, self);
            var info = Encoding.UTF8.GetBytes($"edgetrain secagg pair {low}-{high}");
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, MaskStream.SeedBytes, Encoding.UTF8.GetBytes(round), info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }
}
