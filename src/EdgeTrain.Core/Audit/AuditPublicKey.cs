using System.Security.Cryptography;

namespace EdgeTrain.Core.Audit;

/// <summary>
/// A signer's public key as entries carry it (base64 SubjectPublicKeyInfo of a P-256 key), ready to check
/// signatures with. <see cref="Parse"/> refuses anything else, so a key of another curve or algorithm never
/// verifies an entry.
/// </summary>
public sealed class AuditPublicKey : IDisposable
{
    private readonly ECDsa key;

    private AuditPublicKey(ECDsa key, string text, string id)
    {
        this.key = key;
        Text = text;
        KeyId = id;
    }

    /// <summary>The key as entries carry it: base64 SubjectPublicKeyInfo.</summary>
    public string Text { get; }

    /// <summary>Its id: SHA-256 of the SubjectPublicKeyInfo, lowercase hex.</summary>
    public string KeyId { get; }

    /// <summary>The key <paramref name="base64Spki"/> stands for, or null (with <paramref name="problem"/>) when it is not a P-256 public key.</summary>
    public static AuditPublicKey? Parse(string base64Spki, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(base64Spki);
        problem = null;
        byte[] spki;
        try
        {
            spki = Convert.FromBase64String(base64Spki);
        }
        catch (FormatException)
        {
            problem = "the signer key is not base64";
            return null;
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read != spki.Length || key.ExportParameters(false).Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                problem = "the signer key is not a P-256 public key";
                key.Dispose();
                return null;
            }

            return new AuditPublicKey(key, base64Spki, AuditEncoding.Hex(SHA256.HashData(spki)));
        }
        catch (CryptographicException e)
        {
            problem = $"the signer key is not a P-256 public key ({e.Message})";
            key.Dispose();
            return null;
        }
    }

    /// <summary>The public key in a PEM text (<c>PUBLIC KEY</c>, or a private key whose public half is taken), or null with <paramref name="problem"/>.</summary>
    public static AuditPublicKey? FromPem(string pem, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        using var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            problem = $"no EC key in PEM: {e.Message}";
            return null;
        }

        return Parse(Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()), out problem);
    }

    /// <summary>
    /// Whether <paramref name="signature"/> (base64 r‖s, written canonically) is this key's over <paramref name="hashHex"/>;
    /// false for anything malformed.
    /// </summary>
    public bool Verifies(string hashHex, string signature)
    {
        ArgumentNullException.ThrowIfNull(hashHex);
        ArgumentNullException.ThrowIfNull(signature);
        try
        {
            var hash = Convert.FromHexString(hashHex);
            var bytes = Convert.FromBase64String(signature);
            // only the canonical base64 of the signature: unused bits of its last character must not vary unnoticed
            return hash.Length == 32 && bytes.Length == 64 && Convert.ToBase64String(bytes) == signature
                && key.VerifyHash(hash, bytes, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose() => key.Dispose();
}
