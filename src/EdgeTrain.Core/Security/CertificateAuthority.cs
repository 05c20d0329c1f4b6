using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeTrain.Core.Security;

/// <summary>
/// The cluster's own certificate authority, kept in a folder on the seed that enrols nodes:
/// <c>ca.crt</c> (its self-signed certificate, PEM), <c>ca.key</c> (its ECDSA P-256 key, PEM PKCS#8, mode
/// 0600), <c>used-tokens</c> (the ids of join tokens already used, appended to under a file lock) and
/// <c>revoked</c> (the <see cref="RevocationList"/>). It issues node certificates
/// (<see cref="Issue"/>, <see cref="IssueSelf"/>), makes and redeems one-time join tokens
/// (<see cref="CreateToken"/>, <see cref="RedeemToken"/>) and revokes certificates
/// (<see cref="Revoke(string, string, string)"/>). Several processes may use one folder at once: token use
/// and revocation are checked and written under an exclusive lock of their file.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    /// <summary>The CA certificate's file name (PEM).</summary>
    public const string CertificateFile = "ca.crt";

    /// <summary>The CA key's file name (PEM, PKCS#8, mode 0600).</summary>
    public const string KeyFile = "ca.key";

    /// <summary>The file of used join token ids (one a line: id, used at, expires).</summary>
    public const string UsedTokensFile = "used-tokens";

    /// <summary>The file of revoked certificates (<see cref="RevocationList"/>'s file form).</summary>
    public const string RevokedFile = "revoked";

    /// <summary>The CA's name unless told otherwise.</summary>
    public const string DefaultName = "EdgeTrain cluster CA";

    /// <summary>How long the CA certificate is valid: ten years.</summary>
    public static readonly TimeSpan CaValidity = TimeSpan.FromDays(3653);

    /// <summary>How long node certificates are valid unless told otherwise: 90 days (renewed after 60).</summary>
    public static readonly TimeSpan DefaultNodeValidity = TimeSpan.FromDays(90);

    /// <summary>How far before now certificates start being valid, for peers whose clocks are behind.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private const int SerialLength = 16;
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    private readonly ECDsa key;
    // .NET does not promise that one key object signs on several threads at once; an enrolment endpoint may ask it to
    private readonly Lock signing = new();
    private readonly TimeProvider time;

    private CertificateAuthority(string folder, X509Certificate2 certificate, ECDsa key, TimeProvider time)
    {
        Folder = folder;
        Certificate = certificate;
        this.key = key;
        this.time = time;
        Pin = CaPin.Of(certificate);
    }

    /// <summary>The CA's folder.</summary>
    public string Folder { get; }

    /// <summary>The CA's certificate (without its key).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The pin of the CA's public key (what join tokens carry).</summary>
    public CaPin Pin { get; }

    /// <summary>The CA's name (its certificate's common name).</summary>
    public string Name => Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);

    /// <summary>The path of <see cref="CertificateFile"/>.</summary>
    public string CertificatePath => Path.Combine(Folder, CertificateFile);

    /// <summary>The path of <see cref="KeyFile"/>.</summary>
    public string KeyPath => Path.Combine(Folder, KeyFile);

    /// <summary>True when <paramref name="folder"/> holds a CA's certificate or key.</summary>
    public static bool ExistsIn(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return File.Exists(Path.Combine(folder, CertificateFile)) || File.Exists(Path.Combine(folder, KeyFile));
    }

    /// <summary>
    /// Creates a new CA in <paramref name="folder"/> (made if missing, then set to 0700): an ECDSA P-256 key
    /// and a self-signed CA certificate named <paramref name="name"/> (a CA for node certificates only:
    /// path length 0, key usage keyCertSign and cRLSign), valid for <see cref="CaValidity"/> from
    /// <see cref="ClockSkew"/> ago.
    /// </summary>
    /// <exception cref="InvalidInputException">a CA is there already (it is never overwritten), or the name is not usable.</exception>
    public static CertificateAuthority Init(string folder, string? name = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        time ??= TimeProvider.System;
        name = string.IsNullOrWhiteSpace(name) ? DefaultName : name.Trim();
        if (name.Length > 64 || name.Any(char.IsControl))
        {
            throw new InvalidInputException(folder, "name", $"expected a CA name of at most 64 printable characters, found '{name}'");
        }

        if (ExistsIn(folder))
        {
            throw new InvalidInputException(folder, "", $"a CA exists here already ({CertificateFile}, {KeyFile}); it is never overwritten — use it, or choose another folder");
        }

        PrivateFiles.CreateFolder(folder);
        var caKey = SigningRequests.NewKey();
        try
        {
            var subject = new X500DistinguishedNameBuilder();
            subject.AddCommonName(name);
            var request = new CertificateRequest(subject.Build(), caKey, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
            var now = time.GetUtcNow();
            var certificate = request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now - ClockSkew, now + CaValidity, NewSerial());

            // the key first, created 0600 and refusing an existing file: two inits at once cannot both succeed
            try
            {
                PrivateFiles.WriteNew(Path.Combine(folder, KeyFile), caKey.ExportPkcs8PrivateKeyPem(), PrivateFiles.OwnerOnlyFile);
                PrivateFiles.WriteNew(Path.Combine(folder, CertificateFile), certificate.ExportCertificatePem(), PrivateFiles.PublicFile);
            }
            catch (IOException e) when (ExistsIn(folder))
            {
                throw new InvalidInputException(folder, "", $"a CA was created here at the same time; this one was not written: {e.Message}", e);
            }

            return new CertificateAuthority(folder, certificate, caKey, time);
        }
        catch
        {
            caKey.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads the CA in <paramref name="folder"/>: its certificate must be a CA certificate, and its key must
    /// belong to it and be readable by its owner only.
    /// </summary>
    /// <exception cref="InvalidInputException">there is no CA there, a file is malformed, or the key is open to other users (naming the file and its mode).</exception>
    public static CertificateAuthority Load(string folder, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var certificatePath = Path.Combine(folder, CertificateFile);
        var keyPath = Path.Combine(folder, KeyFile);
        if (!File.Exists(certificatePath) && !File.Exists(keyPath))
        {
            throw new InvalidInputException(folder, "", $"no cluster CA here ({CertificateFile} and {KeyFile}); create one with: edgetrain ca init --dir {folder}");
        }

        var certificate = ReadCertificate(certificatePath, $"missing; the CA's certificate belongs beside {KeyFile}");
        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
        {
            throw new InvalidInputException(certificatePath, "basic constraints", $"{certificate.Subject} is not a CA certificate");
        }

        var keyText = PrivateFiles.ReadText(keyPath, $"missing; the CA's key belongs beside {CertificateFile}");
        PrivateFiles.RequireOwnerOnly(keyPath, "the CA key");
        var caKey = ECDsa.Create();
        try
        {
            caKey.ImportFromPem(keyText);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            caKey.Dispose();
            throw new InvalidInputException(keyPath, "", $"expected an ECDSA private key in PEM (-----BEGIN PRIVATE KEY-----): {e.Message}", e);
        }

        if (!caKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            caKey.Dispose();
            throw new InvalidInputException(keyPath, "", $"this key does not belong to the certificate in {certificatePath}");
        }

        return new CertificateAuthority(folder, certificate, caKey, time ?? TimeProvider.System);
    }

    /// <summary>
    /// Issues a node certificate for a certificate signing request (PKCS#10, DER or PEM) whose
    /// self-signature verifies. The node id is the request subject's common name (validated:
    /// <see cref="NodeIds"/>); a request without one gets a fresh id (<see cref="NodeIds.New"/>; read it back
    /// with <see cref="NodeCertificates.NodeIdOf"/>). Everything else in the request (other subject
    /// attributes, requested extensions) is ignored: the subject is <c>CN=</c>id only.
    /// </summary>
    /// <param name="signingRequest">The request, DER or PEM.</param>
    /// <param name="roles">The roles the certificate grants (validated: <see cref="ClusterRoles"/>).</param>
    /// <param name="validity">How long it is valid from now (at most until the CA certificate expires).</param>
    /// <param name="source">What to name in errors (the requesting peer, a file).</param>
    /// <returns>The certificate, without a private key (the node keeps that).</returns>
    /// <exception cref="InvalidInputException">the request is malformed, its signature does not verify, its id or key is not acceptable, a role is unknown.</exception>
    public X509Certificate2 Issue(ReadOnlySpan<byte> signingRequest, IEnumerable<string> roles, TimeSpan validity, string source = "certificate request")
    {
        ArgumentNullException.ThrowIfNull(roles);
        var granted = ClusterRoles.Validate(roles, source, "roles");
        var request = SigningRequests.Load(signingRequest, source);
        SigningRequests.RequireUsableKey(request.PublicKey, source);
        var nodeId = SigningRequests.NodeIdOf(request, source) ?? NodeIds.New();
        return Sign(nodeId, request.PublicKey, granted, validity, source);
    }

    /// <summary>
    /// Issues a node certificate with a new ECDSA P-256 key — a seed's own identity, which needs no request.
    /// </summary>
    /// <returns>The certificate with its private key.</returns>
    /// <exception cref="InvalidInputException">the node id or a role is not valid.</exception>
    public X509Certificate2 IssueSelf(string nodeId, IEnumerable<string> roles, TimeSpan validity)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var id = NodeIds.Validate(nodeId, "node certificate", "node id");
        var granted = ClusterRoles.Validate(roles, $"node certificate {id}", "roles");
        using var nodeKey = SigningRequests.NewKey();
        using var certificate = Sign(id, new PublicKey(nodeKey), granted, validity, $"node certificate {id}");
        return certificate.CopyWithPrivateKey(nodeKey);
    }

    /// <summary>
    /// Makes a one-time join token signed with the CA's key.
    /// </summary>
    /// <param name="roles">The roles it grants (null: <see cref="ClusterRoles.DefaultJoinRoles"/>).</param>
    /// <param name="ttl">How long it stays valid (null: <see cref="JoinToken.DefaultTtl"/>; at most <see cref="JoinToken.MaxTtl"/>).</param>
    /// <param name="endpoint">The enrolment endpoint (https) it names, or null.</param>
    /// <exception cref="InvalidInputException">a role is unknown, or the ttl is not positive or too long.</exception>
    public JoinToken CreateToken(IEnumerable<string>? roles = null, TimeSpan? ttl = null, Uri? endpoint = null)
    {
        var granted = ClusterRoles.Validate(roles ?? ClusterRoles.DefaultJoinRoles, "join token", "roles");
        var life = ttl ?? JoinToken.DefaultTtl;
        if (life < TimeSpan.FromSeconds(1) || life > JoinToken.MaxTtl)
        {
            throw new InvalidInputException("join token", "ttl", $"expected a duration from 1s to {JoinToken.MaxTtl.TotalDays} days, found {life}");
        }

        if (endpoint is not null)
        {
            _ = JoinToken.ParseEndpoint(endpoint.OriginalString, "join token", "endpoint");
        }

        var expires = DateTimeOffset.FromUnixTimeSeconds((time.GetUtcNow() + life).ToUnixTimeSeconds());
        lock (signing)
        {
            return JoinToken.Create(key, Pin, granted, expires, endpoint);
        }
    }

    /// <summary>
    /// Checks a join token without using it up: made for this CA, signed by it, not expired
    /// (<see cref="JoinToken.Verify"/>).
    /// </summary>
    /// <exception cref="InvalidInputException">it is not valid, saying why.</exception>
    public JoinToken VerifyToken(string text) => JoinToken.Verify(text, Certificate, time.GetUtcNow());

    /// <summary>
    /// Uses a join token up: checks it (<see cref="VerifyToken"/>) and that it grants every role of
    /// <paramref name="requestedRoles"/> (null: the caller asks for the token's roles), then records its id in
    /// <c>used-tokens</c> — checked and appended under an exclusive lock of that file, so of two threads or
    /// processes redeeming one token exactly one succeeds. A token refused for its roles is not used up.
    /// </summary>
    /// <returns>The token; the caller grants <paramref name="requestedRoles"/>, or the token's roles.</returns>
    /// <exception cref="InvalidInputException">it is not valid, asks for roles the token does not grant (naming them), or was used before.</exception>
    public JoinToken RedeemToken(string text, IEnumerable<string>? requestedRoles = null)
    {
        var token = VerifyToken(text);
        var source = $"join token {token.Id}";
        if (requestedRoles is not null)
        {
            var requested = ClusterRoles.Validate(requestedRoles, source, "roles");
            var beyond = requested.Where(r => !token.Roles.Contains(r, StringComparer.Ordinal)).ToArray();
            if (beyond.Length > 0)
            {
                throw new InvalidInputException(source, "roles",
                    $"asks for {string.Join(", ", beyond)}, which the token does not grant; it grants {string.Join(", ", token.Roles)}");
            }
        }

        var now = time.GetUtcNow();
        PrivateFiles.Append(Path.Combine(Folder, UsedTokensFile), text =>
        {
            foreach (var line in text.Split('\n'))
            {
                var fields = line.Split('\t');
                if (string.Equals(fields[0], token.Id, StringComparison.Ordinal))
                {
                    var when = fields.Length > 1 ? $" at {fields[1]}" : "";
                    throw new InvalidInputException(source, "", $"already used{when}; a join token enrols one node — make a new one with edgetrain token create");
                }
            }

            return ($"{token.Id}\t{Stamp(now)}\t{Stamp(token.Expires)}", true);
        });
        return token;
    }

    /// <summary>
    /// Gives back a token that <see cref="RedeemToken"/> used up when what it was redeemed for did not happen
    /// (an enrolment whose audit entry could not be written, so no certificate left the CA): removes its id
    /// from <c>used-tokens</c> under the file's lock, so that the node may try again with the same token.
    /// </summary>
    /// <returns>True when the id was there and is now gone.</returns>
    public bool ReturnToken(JoinToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return PrivateFiles.Rewrite(Path.Combine(Folder, UsedTokensFile), text =>
        {
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var kept = lines.Where(line => !string.Equals(line.Split('\t')[0], token.Id, StringComparison.Ordinal)).ToArray();
            return kept.Length == lines.Length ? text : string.Concat(kept.Select(line => line + "\n"));
        });
    }

    /// <summary>
    /// Issues a TLS server certificate with a new ECDSA P-256 key for one of the cluster's own endpoints (the
    /// seed's enrolment listener): subject <c>CN=</c><paramref name="commonName"/>, the DNS names and IP
    /// addresses of <paramref name="hostNames"/> as subject alternative names, server authentication only, no
    /// roles and no node id, so it can never pass for a node of the cluster.
    /// </summary>
    /// <returns>The certificate with its private key.</returns>
    /// <exception cref="InvalidInputException">there is no host name, or one is not usable.</exception>
    public X509Certificate2 IssueServer(string commonName, IEnumerable<string> hostNames, TimeSpan validity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commonName);
        ArgumentNullException.ThrowIfNull(hostNames);
        var names = hostNames.Select(n => n.Trim()).Where(n => n.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (names.Length == 0)
        {
            throw new InvalidInputException("server certificate", "names", "expected at least one host name or IP address");
        }

        var alternative = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (System.Net.IPAddress.TryParse(name, out var address))
            {
                alternative.AddIpAddress(address);
            }
            else if (Uri.CheckHostName(name) == UriHostNameType.Dns)
            {
                alternative.AddDnsName(name);
            }
            else
            {
                throw new InvalidInputException("server certificate", "names", $"expected a host name or IP address, found '{name}'");
            }
        }

        using var serverKey = SigningRequests.NewKey();
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), new PublicKey(serverKey), HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth], critical: false));
        request.CertificateExtensions.Add(alternative.Build(critical: false));
        using var certificate = Create(request, validity, "server certificate");
        return certificate.CopyWithPrivateKey(serverKey);
    }

    /// <summary>Revokes <paramref name="certificate"/> (see <see cref="Revoke(string, string, string)"/>).</summary>
    public Revocation Revoke(X509Certificate2 certificate, string reason)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Revoke(certificate.SerialNumber, NodeCertificates.NodeIdOf(certificate), reason);
    }

    /// <summary>
    /// Revokes the certificate with serial <paramref name="serial"/> (hex) for good: signs an entry and appends it
    /// to <c>revoked</c> under an exclusive lock. A serial revoked before keeps its first entry, which is returned.
    /// </summary>
    /// <param name="serial">The serial number in hexadecimal (case, spaces and colons do not matter).</param>
    /// <param name="nodeId">The node the certificate names (empty when unknown).</param>
    /// <param name="reason">Why (one line; cut to <see cref="RevocationList.MaxReasonLength"/> characters).</param>
    /// <exception cref="InvalidInputException">the serial or node id is malformed.</exception>
    public Revocation Revoke(string serial, string nodeId, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (!RevocationList.TryNormalize(serial, out var normalized))
        {
            throw new InvalidInputException("revocation", "serial", $"expected a certificate serial number in hexadecimal, found '{serial}'");
        }

        nodeId ??= "";
        if (nodeId.Length > 0)
        {
            NodeIds.Validate(nodeId, "revocation", "node id");
        }

        var path = Path.Combine(Folder, RevokedFile);
        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        return PrivateFiles.Append(path, text =>
        {
            var present = RevocationList.Parse(text, Certificate, path).Find(normalized);
            if (present is not null)
            {
                return ((string?)null, present);
            }

            Revocation entry;
            lock (signing)
            {
                entry = Revocation.Sign(key, normalized, nodeId, RevocationList.CleanReason(reason), now);
            }

            var line = RevocationList.Line(entry);
            return (text.Length == 0 ? RevocationList.Header + "\n" + line : line, entry);
        });
    }

    /// <summary>Every certificate this CA has revoked (from <c>revoked</c>, every entry's signature checked).</summary>
    /// <exception cref="InvalidInputException">the file is malformed or holds an entry this CA did not sign.</exception>
    public RevocationList Revocations()
    {
        var path = Path.Combine(Folder, RevokedFile);
        return RevocationList.Parse(PrivateFiles.ReadLocked(path), Certificate, path);
    }

    /// <summary>Forgets the key.</summary>
    public void Dispose()
    {
        key.Dispose();
        Certificate.Dispose();
    }

    internal static X509Certificate2 ReadCertificate(string path, string missing)
    {
        var text = PrivateFiles.ReadText(path, missing);
        try
        {
            return X509Certificate2.CreateFromPem(text);
        }
        catch (CryptographicException e)
        {
            throw new InvalidInputException(path, "", $"expected a certificate in PEM (-----BEGIN CERTIFICATE-----): {e.Message}", e);
        }
    }

    private static byte[] NewSerial()
    {
        // positive and always 16 bytes long: the top bit cleared, the next one set (126 random bits)
        var serial = RandomNumberGenerator.GetBytes(SerialLength);
        serial[0] = (byte)((serial[0] & 0x3F) | 0x40);
        return serial;
    }

    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private X509Certificate2 Sign(string nodeId, PublicKey publicKey, IReadOnlyList<string> roles, TimeSpan validity, string source)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(nodeId);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(NodeCertificates.NodeUriPrefix + nodeId));
        var request = new CertificateRequest(subject.Build(), publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth, ClientAuth], critical: false));
        request.CertificateExtensions.Add(names.Build(critical: false));
        request.CertificateExtensions.Add(NodeCertificates.RolesExtension(roles));
        return Create(request, validity, source);
    }

    // signs a request's certificate with the CA key, valid from ClockSkew ago for validity (at most until the CA expires)
    private X509Certificate2 Create(CertificateRequest request, TimeSpan validity, string source)
    {
        if (validity <= TimeSpan.Zero)
        {
            throw new InvalidInputException(source, "validity", $"expected a positive duration, found {validity}");
        }

        var now = time.GetUtcNow();
        var caStart = new DateTimeOffset(Certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var caEnd = new DateTimeOffset(Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var notBefore = Max(now - ClockSkew, caStart);
        var notAfter = Min(now + validity, caEnd);
        if (now >= caEnd || now < caStart)
        {
            throw new InvalidInputException(CertificatePath, "validity", $"the CA certificate is valid from {JoinToken.Format(caStart)} to {JoinToken.Format(caEnd)}, not now ({JoinToken.Format(now)})");
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        lock (signing)
        {
            return request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(key), notBefore, notAfter, NewSerial());
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
