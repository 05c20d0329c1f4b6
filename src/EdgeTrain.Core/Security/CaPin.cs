using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeTrain.Core.Security;

/// <summary>
/// The pin of a cluster CA: the SHA-256 of its certificate's SubjectPublicKeyInfo, written
/// <c>sha256:</c> and 64 lower-case hexadecimal digits (the form kubeadm uses for its CA hash). A join
/// token carries it, so a node that does not have the CA certificate yet can tell the cluster's
/// enrolment endpoint from an impostor: the endpoint's TLS certificate must chain to a CA certificate
/// whose public key has this hash (<see cref="Check"/>). It pins the key, not the certificate, so a CA
/// certificate renewed with the same key keeps its pin.
/// </summary>
public sealed class CaPin : IEquatable<CaPin>
{
    /// <summary>What a pin's text starts with.</summary>
    public const string Prefix = "sha256:";

    /// <summary>The length of the hash in bytes.</summary>
    public const int HashLength = 32;

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private readonly byte[] hash;

    private CaPin(byte[] hash) => this.hash = hash;

    /// <summary>The SHA-256 hash of the CA's SubjectPublicKeyInfo.</summary>
    public ReadOnlySpan<byte> Hash => hash;

    /// <summary>The pin of <paramref name="certificate"/>'s public key.</summary>
    public static CaPin Of(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return new CaPin(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The pin with the given hash.</summary>
    /// <exception cref="ArgumentException">it is not <see cref="HashLength"/> bytes.</exception>
    public static CaPin FromHash(ReadOnlySpan<byte> sha256) =>
        sha256.Length == HashLength
            ? new CaPin(sha256.ToArray())
            : throw new ArgumentException($"a pin is a {HashLength}-byte SHA-256 hash, not {sha256.Length} bytes", nameof(sha256));

    /// <summary>Reads a pin written as <see cref="ToString"/> writes it (upper-case digits are accepted).</summary>
    /// <exception cref="InvalidInputException">it is not such a text, naming <paramref name="source"/> and <paramref name="key"/>.</exception>
    public static CaPin Parse(string text, string source, string key)
    {
        ArgumentNullException.ThrowIfNull(text);
        var digits = text.Trim();
        if (digits.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[Prefix.Length..];
        }

        if (digits.Length != HashLength * 2 || !digits.All(char.IsAsciiHexDigit))
        {
            throw new InvalidInputException(source, key, $"expected a CA pin, {Prefix} and {HashLength * 2} hexadecimal digits, found '{(text.Length > 90 ? text[..90] + "…" : text)}'");
        }

        return new CaPin(Convert.FromHexString(digits));
    }

    /// <summary>True when <paramref name="certificate"/>'s public key has this pin.</summary>
    public bool Matches(X509Certificate2 certificate) => Equals(Of(certificate));

    /// <summary>
    /// Whether <paramref name="certificate"/>, a TLS server's certificate, may be trusted on this pin: one of
    /// the certificates the server presented with it (<paramref name="presented"/>) must be a CA certificate
    /// whose public key has this pin, and <paramref name="certificate"/> must chain to it — built with that
    /// CA as the only trusted root, at <paramref name="now"/>, for server authentication. The host name is
    /// not checked: the pin, not the name, is what the token vouches for.
    /// </summary>
    /// <remarks>
    /// A server using <c>SslStreamCertificateContext</c> does not send a self-signed root, so the CA
    /// certificate is not among what a <c>RemoteCertificateValidationCallback</c> sees. The enrolling node
    /// accepts the handshake, gets the CA certificate over that connection (the enrolment endpoint serves
    /// it), passes it here with the server's certificate, and sends its token only when this says trusted.
    /// An impostor can send the real CA certificate too (it is public), but its own certificate will not
    /// chain to it.
    /// </remarks>
    /// <returns>Trusted with the CA certificate (a copy the caller owns, to keep as <c>ca.crt</c>), or untrusted with why.</returns>
    public PinCheck Check(X509Certificate2 certificate, IEnumerable<X509Certificate2> presented, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(presented);
        var candidates = presented.Append(certificate).ToArray();
        var ca = candidates.FirstOrDefault(Matches);
        if (ca is null)
        {
            var seen = string.Join("; ", candidates.DistinctBy(c => c.Thumbprint).Select(c => $"{c.Subject} ({Of(c)})"));
            return PinCheck.Untrusted($"no certificate the server presented has the pinned key {this}; it presented: {seen}");
        }

        if (ca.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
        {
            return PinCheck.Untrusted($"the certificate with the pinned key, {ca.Subject}, is not a CA certificate");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuth);
        foreach (var other in candidates.Where(c => !ReferenceEquals(c, ca) && !ReferenceEquals(c, certificate)))
        {
            chain.ChainPolicy.ExtraStore.Add(other);
        }

        if (!chain.Build(certificate))
        {
            var why = string.Join("; ", chain.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation.Trim()}"));
            return PinCheck.Untrusted($"the server's certificate {certificate.Subject} does not chain to the pinned CA {ca.Subject}: {why}");
        }

        var root = chain.ChainElements[^1].Certificate;
        return root.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span)
            ? PinCheck.Trusted(X509CertificateLoader.LoadCertificate(ca.RawData))
            : PinCheck.Untrusted($"the server's certificate {certificate.Subject} chains to {root.Subject}, not to the pinned CA {ca.Subject}");
    }

    /// <inheritdoc/>
    public bool Equals(CaPin? other) => other is not null && CryptographicOperations.FixedTimeEquals(hash, other.hash);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as CaPin);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(hash, 0);

    /// <summary><c>sha256:</c> and the hash in lower-case hexadecimal.</summary>
    public override string ToString() => Prefix + Convert.ToHexStringLower(hash);
}

/// <summary>The outcome of <see cref="CaPin.Check"/>: trusted with the pinned CA's certificate, or not with why.</summary>
/// <param name="IsTrusted">True when the server's certificate chains to the pinned CA.</param>
/// <param name="Why">Why it is not trusted (empty when it is).</param>
/// <param name="Ca">The pinned CA's certificate when trusted.</param>
public sealed record PinCheck(bool IsTrusted, string Why, X509Certificate2? Ca)
{
    internal static PinCheck Trusted(X509Certificate2 ca) => new(true, "", ca);

    internal static PinCheck Untrusted(string why) => new(false, why, null);
}
