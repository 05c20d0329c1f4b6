using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EdgeTrain.Core.Security;

/// <summary>
/// A one-time join token: what lets one new node enrol. Its payload — a random 16-byte token id, the roles
/// it grants, when it expires, the <see cref="CaPin"/> of the cluster's CA and, optionally, the enrolment
/// endpoint's URL — is signed with the CA's key (ECDSA P-256, SHA-256), and the whole is one line:
/// <c>et1.</c> base64url(payload) <c>.</c> base64url(signature). Nothing is stored when a token is made;
/// the CA's signature is what makes it valid, and the CA folder's <c>used-tokens</c> file what makes it
/// one-time (<see cref="CertificateAuthority.RedeemToken"/>). The text is a secret until it is used:
/// <see cref="ToString"/> and every error name the token by its id only.
/// </summary>
/// <remarks>
/// Payload, version 1 (integers big-endian): 1 byte version (1), 16 bytes token id, 8 bytes expiry in Unix
/// seconds, 32 bytes CA pin, 1 byte length and the roles in UTF-8 separated by commas, 2 bytes length and the
/// endpoint URL in UTF-8 (length 0: none). The signature (IEEE P1363, r‖s) is over the ASCII text
/// <c>edgetrain join token v1</c>, a zero byte and the payload, so it can never be taken for the CA's
/// signature on anything else.
/// </remarks>
public sealed class JoinToken
{
    /// <summary>What every token's text starts with (the format's version).</summary>
    public const string Prefix = "et1.";

    /// <summary>The longest time a token may stay valid.</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(30);

    /// <summary>How long a token stays valid unless told otherwise.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(1);

    private const byte PayloadVersion = 1;
    private const int IdLength = 16;
    private const int MaxTextLength = 4096;
    private const int MaxEndpointLength = 1024;
    private const string Source = "join token";
    private static readonly byte[] SignatureContext = "edgetrain join token v1\0"u8.ToArray();

    private JoinToken(string id, string[] roles, DateTimeOffset expires, CaPin caPin, Uri? endpoint, byte[] payload, byte[] signature)
    {
        Id = id;
        Roles = roles;
        Expires = expires;
        CaPin = caPin;
        Endpoint = endpoint;
        Payload = payload;
        Signature = signature;
    }

    /// <summary>The token's id: 32 lower-case hexadecimal digits (16 random bytes). Not a secret.</summary>
    public string Id { get; }

    /// <summary>The roles the token grants, in the order of <see cref="ClusterRoles.All"/>.</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>When the token stops being valid (whole seconds, UTC).</summary>
    public DateTimeOffset Expires { get; }

    /// <summary>The pin of the CA that signed the token: the enrolment endpoint must chain to it.</summary>
    public CaPin CaPin { get; }

    /// <summary>Where to enrol (an https URL), or null when the token does not say.</summary>
    public Uri? Endpoint { get; }

    /// <summary>The token as one line (<c>et1.…</c>): the secret to hand to the node.</summary>
    public string Text => Prefix + Base64Url.EncodeToString(Payload) + "." + Base64Url.EncodeToString(Signature);

    private byte[] Payload { get; }

    private byte[] Signature { get; }

    /// <summary>
    /// Reads a token's text, checking its format only — what an enrolling node does to learn the endpoint and
    /// the pin. Its signature and expiry are checked by the CA (<see cref="Verify"/>). Spaces and line breaks
    /// (from copying) are ignored.
    /// </summary>
    /// <exception cref="InvalidInputException">it is not a token of this format.</exception>
    public static JoinToken Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var compact = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        if (compact.Length > MaxTextLength)
        {
            throw new InvalidInputException(Source, "format", $"expected at most {MaxTextLength} characters, found {compact.Length}");
        }

        if (!compact.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new InvalidInputException(Source, "format", $"expected a token starting with '{Prefix}' (made by edgetrain token create)");
        }

        var parts = compact[Prefix.Length..].Split('.');
        if (parts.Length != 2 || !TryDecode(parts[0], out var payload) || !TryDecode(parts[1], out var signature))
        {
            throw new InvalidInputException(Source, "format", $"expected '{Prefix}', the payload, '.' and the signature, both in base64url; the token is cut short or altered");
        }

        return Read(payload, signature);
    }

    /// <summary>
    /// Reads a token and checks it against the CA whose certificate is <paramref name="ca"/> at
    /// <paramref name="now"/>: made for this CA (its pin), signed by it, not expired. Does not consume it.
    /// </summary>
    /// <exception cref="InvalidInputException">any of those fails, saying which.</exception>
    public static JoinToken Verify(string text, X509Certificate2 ca, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ca);
        var token = Parse(text);
        var pin = CaPin.Of(ca);
        var source = $"{Source} {token.Id}";
        if (!token.CaPin.Equals(pin))
        {
            throw new InvalidInputException(source, "ca", $"made for another cluster's CA ({token.CaPin}); this cluster's CA is {pin}");
        }

        using var key = ca.GetECDsaPublicKey()
            ?? throw new InvalidInputException(source, "ca", $"the CA certificate {ca.Subject} has no ECDSA key to check the signature with");
        if (!key.VerifyData(Signed(token.Payload), token.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            throw new InvalidInputException(source, "signature", "the signature does not verify against this cluster's CA: the token was altered, or not made by this CA");
        }

        if (now >= token.Expires)
        {
            throw new InvalidInputException(source, "expires", $"expired at {Format(token.Expires)} (now {Format(now)}); make a new one with edgetrain token create");
        }

        return token;
    }

    /// <summary>An enrolment endpoint as a token carries it: an absolute https URL with a host and no user info.</summary>
    /// <exception cref="InvalidInputException">it is not one, naming <paramref name="source"/> and <paramref name="key"/>.</exception>
    public static Uri ParseEndpoint(string text, string source, string key)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= MaxEndpointLength
            && Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri)
            && uri.Scheme == Uri.UriSchemeHttps
            && uri.Host.Length > 0
            && uri.UserInfo.Length == 0
            && Encoding.UTF8.GetByteCount(uri.OriginalString) <= MaxEndpointLength)
        {
            return uri;
        }

        throw new InvalidInputException(source, key, $"expected an https URL such as https://seed.example.org:4443 (at most {MaxEndpointLength} characters, no user name), found '{(text.Length > 80 ? text[..80] + "…" : text)}'");
    }

    /// <summary>The token by its id, roles and expiry; never its text.</summary>
    public override string ToString() => $"join token {Id} ({string.Join(", ", Roles)}; expires {Format(Expires)})";

    /// <summary>Makes and signs a token (the CA's part).</summary>
    internal static JoinToken Create(ECDsa caKey, CaPin pin, IReadOnlyList<string> roles, DateTimeOffset expires, Uri? endpoint)
    {
        var id = RandomNumberGenerator.GetBytes(IdLength);
        var roleBytes = Encoding.UTF8.GetBytes(string.Join(',', roles));
        var endpointBytes = endpoint is null ? [] : Encoding.UTF8.GetBytes(endpoint.OriginalString);
        if (roleBytes.Length > byte.MaxValue || endpointBytes.Length > MaxEndpointLength)
        {
            throw new ArgumentException("the roles or the endpoint are too long for a token");
        }

        var payload = new byte[1 + IdLength + 8 + CaPin.HashLength + 1 + roleBytes.Length + 2 + endpointBytes.Length];
        var at = 0;
        payload[at++] = PayloadVersion;
        id.CopyTo(payload, at);
        at += IdLength;
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(at), expires.ToUnixTimeSeconds());
        at += 8;
        pin.Hash.CopyTo(payload.AsSpan(at));
        at += CaPin.HashLength;
        payload[at++] = (byte)roleBytes.Length;
        roleBytes.CopyTo(payload, at);
        at += roleBytes.Length;
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(at), (ushort)endpointBytes.Length);
        at += 2;
        endpointBytes.CopyTo(payload, at);

        var signature = caKey.SignData(Signed(payload), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return Read(payload, signature);
    }

    /// <summary>A time as the PKI's messages write it: <c>yyyy-MM-dd HH:mm:ssZ</c>, UTC.</summary>
    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static JoinToken Read(byte[] payload, byte[] signature)
    {
        var span = payload.AsSpan();
        const int fixedLength = 1 + IdLength + 8 + CaPin.HashLength + 1;
        if (span.Length < fixedLength + 2)
        {
            throw Malformed($"the payload is {span.Length} bytes, shorter than any token");
        }

        if (span[0] != PayloadVersion)
        {
            throw Malformed($"payload version {span[0]}; this program reads version {PayloadVersion}");
        }

        var id = Convert.ToHexStringLower(span.Slice(1, IdLength));
        var seconds = BinaryPrimitives.ReadInt64BigEndian(span[(1 + IdLength)..]);
        var pin = CaPin.FromHash(span.Slice(1 + IdLength + 8, CaPin.HashLength));
        int roleLength = span[fixedLength - 1];
        if (span.Length < fixedLength + roleLength + 2)
        {
            throw Malformed("the roles run past the end of the payload");
        }

        var endpointLength = BinaryPrimitives.ReadUInt16BigEndian(span[(fixedLength + roleLength)..]);
        if (span.Length != fixedLength + roleLength + 2 + endpointLength)
        {
            throw Malformed("the payload's length does not match its fields");
        }

        if (seconds < DateTimeOffset.MinValue.ToUnixTimeSeconds() || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            throw Malformed("the expiry is out of range");
        }

        string roleText, endpointText;
        try
        {
            var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
            roleText = strict.GetString(span.Slice(fixedLength, roleLength));
            endpointText = strict.GetString(span.Slice(fixedLength + roleLength + 2, endpointLength));
        }
        catch (DecoderFallbackException e)
        {
            throw Malformed($"the roles or endpoint are not UTF-8: {e.Message}");
        }

        var source = $"{Source} {id}";
        var roles = ClusterRoles.Validate(roleText.Split(','), source, "roles");
        var endpoint = endpointLength == 0 ? null : ParseEndpoint(endpointText, source, "endpoint");
        return new JoinToken(id, roles, DateTimeOffset.FromUnixTimeSeconds(seconds), pin, endpoint, payload, signature);
    }

    private static byte[] Signed(byte[] payload) => [.. SignatureContext, .. payload];

    private static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0 || !Base64Url.IsValid(text))
        {
            return false;
        }

        bytes = Base64Url.DecodeFromChars(text);
        return true;
    }

    private static InvalidInputException Malformed(string problem) => new(Source, "format", $"{problem}; the token is cut short or altered");
}
