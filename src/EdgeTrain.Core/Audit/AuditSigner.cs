using System.Security.Cryptography;

namespace EdgeTrain.Core.Audit;

/// <summary>
/// The key a coordinator signs audit entries with: ECDSA on P-256, from .NET's own cryptography. Its public
/// half travels in every entry it signs (<see cref="PublicKey"/>, SubjectPublicKeyInfo in base64); its id
/// (<see cref="KeyId"/>) is the SHA-256 of that SubjectPublicKeyInfo. <see cref="AuditKeyFile"/> keeps it on
/// the coordinator node's disk.
/// </summary>
public sealed class AuditSigner : IDisposable
{
    private readonly ECDsa key;

    private AuditSigner(ECDsa key)
    {
        this.key = key;
        var spki = key.ExportSubjectPublicKeyInfo();
        PublicKey = Convert.ToBase64String(spki);
        KeyId = AuditEncoding.Hex(SHA256.HashData(spki));
    }

    /// <summary>The public key: SubjectPublicKeyInfo (DER) in base64, as entries carry it.</summary>
    public string PublicKey { get; }

    /// <summary>The key's id: SHA-256 of its SubjectPublicKeyInfo, 64 lowercase hex digits (<c>--trust sha256:ID</c> pins it).</summary>
    public string KeyId { get; }

    /// <summary>A new P-256 key.</summary>
    public static AuditSigner Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>The key in <paramref name="pem"/> (a PKCS#8 or SEC1 private key).</summary>
    /// <exception cref="InvalidInputException">it holds no P-256 private key.</exception>
    public static AuditSigner FromPem(string pem, string source)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            var parameters = key.ExportParameters(includePrivateParameters: true);
            if (parameters.D is null || parameters.Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                throw new InvalidInputException(source, "key", "expected a P-256 (prime256v1) private key");
            }

            return new AuditSigner(key);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidInputException(source, "key", $"not a P-256 private key in PEM: {e.Message}", e);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The private key as PEM (PKCS#8), for <see cref="AuditKeyFile"/>.</summary>
    public string ExportPrivateKeyPem() => key.ExportPkcs8PrivateKeyPem();

    /// <summary>The public key as PEM (SubjectPublicKeyInfo), what <c>--trust FILE</c> reads.</summary>
    public string ExportPublicKeyPem() => key.ExportSubjectPublicKeyInfoPem();

    /// <summary>The signature of an entry whose hash is <paramref name="hashHex"/>: r‖s in base64.</summary>
    public string Sign(string hashHex)
    {
        ArgumentNullException.ThrowIfNull(hashHex);
        return Convert.ToBase64String(key.SignHash(Convert.FromHexString(hashHex), DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    /// <inheritdoc />
    public void Dispose() => key.Dispose();
}
