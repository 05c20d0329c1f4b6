using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EdgeTrain.Core.Security;

/// <summary>
/// Certificate signing requests (PKCS#10), the form in which a node asks the cluster's CA for its
/// certificate: the node keeps its private key, the request carries the public key and the node id it
/// asks for, signed with that key.
/// </summary>
public static class SigningRequests
{
    private const string CommonNameOid = "2.5.4.3";

    /// <summary>A fresh node key: ECDSA on NIST P-256.</summary>
    public static ECDsa NewKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>
    /// A request (PKCS#10, DER) for <paramref name="key"/>'s public key, signed with it, that names
    /// <paramref name="nodeId"/> as its subject's common name, or has an empty subject when it is null
    /// (the CA then picks an id, <see cref="NodeIds.New"/>).
    /// </summary>
    /// <exception cref="InvalidInputException">the node id is not valid.</exception>
    public static byte[] Create(ECDsa key, string? nodeId)
    {
        ArgumentNullException.ThrowIfNull(key);
        var subject = new X500DistinguishedNameBuilder();
        if (nodeId is not null)
        {
            subject.AddCommonName(NodeIds.Validate(nodeId, "certificate request", "node id"));
        }

        return new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256).CreateSigningRequest();
    }

    /// <summary>
    /// Reads a request in DER or PEM (<c>-----BEGIN CERTIFICATE REQUEST-----</c>) and checks its
    /// self-signature. The extensions it asks for are not read: the CA decides every extension.
    /// </summary>
    /// <exception cref="InvalidInputException">it does not parse, or its signature does not verify.</exception>
    internal static CertificateRequest Load(ReadOnlySpan<byte> request, string source)
    {
        if (request.IsEmpty)
        {
            throw new InvalidInputException(source, "", "the certificate request is empty");
        }

        string? pem = null;
        var start = request.TrimStart(" \t\r\n"u8);
        if (start.StartsWith("-----BEGIN"u8))
        {
            pem = Encoding.ASCII.GetString(request);
        }

        try
        {
            return pem is null
                ? CertificateRequest.LoadSigningRequest(request, HashAlgorithmName.SHA256, out _, CertificateRequestLoadOptions.Default)
                : CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // tell a forged or damaged signature from a request that is not one at all
            try
            {
                _ = pem is null
                    ? CertificateRequest.LoadSigningRequest(request, HashAlgorithmName.SHA256, out _, CertificateRequestLoadOptions.SkipSignatureValidation)
                    : CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.SkipSignatureValidation);
            }
            catch (Exception inner) when (inner is CryptographicException or ArgumentException)
            {
                throw new InvalidInputException(source, "format", $"expected a PKCS#10 certificate request (DER, or PEM with -----BEGIN CERTIFICATE REQUEST-----): {inner.Message}", inner);
            }

            throw new InvalidInputException(source, "signature", "the request's signature does not verify with the public key it carries (altered, or not signed by that key)", e);
        }
    }

    /// <summary>The node id the request's subject names (its one common name), or null when it names none.</summary>
    /// <exception cref="InvalidInputException">it names more than one, or a name that is not a valid node id.</exception>
    internal static string? NodeIdOf(CertificateRequest request, string source)
    {
        string? found = null;
        foreach (var name in request.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (name.HasMultipleElements)
            {
                throw new InvalidInputException(source, "subject", $"multi-valued names are not accepted; expected CN=<node id> ('{request.SubjectName.Name}')");
            }

            if (name.GetSingleElementType().Value != CommonNameOid)
            {
                continue;
            }

            if (found is not null)
            {
                throw new InvalidInputException(source, "subject", $"expected one common name (the node id), found several ('{request.SubjectName.Name}')");
            }

            found = NodeIds.Validate(name.GetSingleElementValue(), source, "subject CN");
        }

        return found;
    }

    /// <summary>Refuses keys too weak or of a kind TLS peers may not support: ECDSA from P-256 up, RSA from 2048 bits.</summary>
    internal static void RequireUsableKey(PublicKey key, string source)
    {
        using var ec = key.GetECDsaPublicKey();
        if (ec is not null)
        {
            if (ec.KeySize < 256)
            {
                throw new InvalidInputException(source, "public key", $"expected an ECDSA key on P-256 or larger, found {ec.KeySize} bits");
            }

            return;
        }

        using var rsa = key.GetRSAPublicKey();
        if (rsa is not null)
        {
            if (rsa.KeySize < 2048)
            {
                throw new InvalidInputException(source, "public key", $"expected an RSA key of 2048 bits or more, found {rsa.KeySize}");
            }

            return;
        }

        throw new InvalidInputException(source, "public key", $"expected an ECDSA (P-256 or larger) or RSA (2048 bits or more) key, found {key.Oid.FriendlyName ?? key.Oid.Value}");
    }
}
