using System.Text;

namespace EdgeTrain.Core.Audit;

/// <summary>
/// Which signers a verifier accepts. Each <c>signer</c> entry introduces a key; the entries after it, up to
/// the next <c>signer</c> entry, must be signed by that key (<see cref="AuditChain.Verify"/> checks that);
/// this decides whether the key a <c>signer</c> entry introduces is one to trust at all.
/// <see cref="Introduced"/> takes every introduced key (the chain's integrity, not who wrote it: an
/// operator compares the key ids printed with the seeds' own); <see cref="Pinned"/> only keys the operator
/// lists (<c>--trust FILE</c> or <c>--trust sha256:ID</c>). Once the cluster's CA issues the seeds
/// certificates, a policy that accepts a signer entry whose <see cref="AuditEntry.SignerCertificate"/>
/// chains to the CA, names that key and grants the seed role is one more subclass.
/// </summary>
public abstract class AuditTrust
{
    /// <summary>Every key a <c>signer</c> entry introduces.</summary>
    public static AuditTrust Introduced { get; } = new AnyIntroduced();

    /// <summary>A description for the verifier's output.</summary>
    public abstract string Description { get; }

    /// <summary>Only the keys with these ids (SHA-256 of their SubjectPublicKeyInfo, hex).</summary>
    public static AuditTrust Pinned(IEnumerable<string> keyIds)
    {
        ArgumentNullException.ThrowIfNull(keyIds);
        return new PinnedKeys([.. keyIds.Select(k => k.ToLowerInvariant())]);
    }

    /// <summary>
    /// The key id a <c>--trust</c> value names: <c>sha256:ID</c> or a bare 64-digit hex id, or a file holding a
    /// PEM public key (or a private key, whose public half is taken: the seed's own key file).
    /// </summary>
    /// <exception cref="InvalidInputException">it is none of these.</exception>
    public static string KeyIdOf(string trust)
    {
        ArgumentNullException.ThrowIfNull(trust);
        var pin = trust.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? trust["sha256:".Length..] : trust;
        if (pin.Length == 64 && pin.All(Uri.IsHexDigit))
        {
            return pin.ToLowerInvariant();
        }

        if (!File.Exists(trust))
        {
            throw new InvalidInputException("command line", "--trust", $"'{trust}' is neither a key id (sha256:<64 hex digits>) nor a file");
        }

        using var key = AuditPublicKey.FromPem(File.ReadAllText(trust, Encoding.ASCII), out var problem)
            ?? throw new InvalidInputException(trust, "--trust", problem ?? "no P-256 key in it");
        return key.KeyId;
    }

    /// <summary>Why the key that <paramref name="signerEntry"/> introduces is not trusted, or null when it is.</summary>
    public abstract string? Refusal(AuditEntry signerEntry, string keyId);

    private sealed class AnyIntroduced : AuditTrust
    {
        public override string Description => "every key a signer entry introduces (pass --trust to accept only given keys)";

        public override string? Refusal(AuditEntry signerEntry, string keyId) => null;
    }

    private sealed class PinnedKeys(HashSet<string> keys) : AuditTrust
    {
        public override string Description => $"only the {keys.Count} key(s) given with --trust";

        public override string? Refusal(AuditEntry signerEntry, string keyId) =>
            keys.Contains(keyId) ? null : $"key sha256:{keyId} is not one of the trusted keys";
    }
}
