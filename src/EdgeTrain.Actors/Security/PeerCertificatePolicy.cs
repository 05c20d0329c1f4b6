using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Actors.Security;

/// <summary>Why a peer's certificate was refused.</summary>
public enum RefusalReason
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>The peer presented no certificate.</summary>
    NoCertificate,

    /// <summary>The certificate does not chain to the cluster's CA (another CA, self-signed, a bad signature).</summary>
    OtherAuthority,

    /// <summary>The certificate's validity ended.</summary>
    Expired,

    /// <summary>The certificate's validity has not begun.</summary>
    NotYetValid,

    /// <summary>The certificate lacks the extended key usages serverAuth and clientAuth.</summary>
    WrongUsage,

    /// <summary>The certificate's serial number is on the revocation list.</summary>
    Revoked,

    /// <summary>The certificate names no node (no SAN URI <c>urn:edgetrain:node:{id}</c> matching its CN).</summary>
    NoNodeId,

    /// <summary>The certificate grants no cluster role (or its roles extension is malformed).</summary>
    NoRoles,
}

/// <summary>The verdict on one peer certificate.</summary>
/// <param name="Reason">Why it was refused (<see cref="RefusalReason.None"/>: accepted).</param>
/// <param name="Detail">The refusal in words, or a description of the accepted certificate.</param>
/// <param name="Serial">The certificate's serial number (upper-case hex, as <see cref="X509Certificate2.SerialNumber"/> writes it), when there is a certificate.</param>
/// <param name="NodeId">The node the certificate names, when it names one.</param>
/// <param name="Roles">The roles it grants.</param>
public sealed record PeerCheck(RefusalReason Reason, string Detail, string? Serial, string? NodeId, IReadOnlyList<string> Roles)
{
    /// <summary>True when the certificate is accepted.</summary>
    public bool Accepted => Reason == RefusalReason.None;
}

/// <summary>
/// The checks every peer certificate passes before a TLS connection is accepted, in order: it is
/// there; it is within its validity at the time given; it chains to the cluster's CA and to nothing
/// else (a custom root store of that one certificate, no system roots, no online revocation, no
/// downloads); it carries the extended key usages serverAuth and clientAuth; its serial number is not
/// revoked; it names a node (SAN URI <c>urn:edgetrain:node:{id}</c>, the same id as its CN); it
/// grants at least one role. Pure: the caller passes the time and the revocation list.
/// </summary>
public static class PeerCertificatePolicy
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>Checks <paramref name="certificate"/> against <paramref name="authority"/> and <paramref name="revoked"/> at <paramref name="now"/>.</summary>
    /// <param name="certificate">The peer's certificate, or null when it presented none.</param>
    /// <param name="authority">The cluster's CA certificate.</param>
    /// <param name="revoked">The revocation list.</param>
    /// <param name="now">The time the certificate must be valid at.</param>
    /// <param name="intermediates">Certificates the peer sent beside its own (intermediate CAs), if any.</param>
    public static PeerCheck Check(X509Certificate2? certificate, X509Certificate2 authority, RevocationList revoked, DateTimeOffset now, X509Certificate2Collection? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(revoked);
        if (certificate is null)
        {
            return new PeerCheck(RefusalReason.NoCertificate, "it presented no certificate", null, null, []);
        }

        var serial = certificate.SerialNumber;
        var subject = certificate.Subject;
        if (now.UtcDateTime > certificate.NotAfter.ToUniversalTime())
        {
            return Refuse(RefusalReason.Expired, $"certificate {serial} ({subject}) expired at {certificate.NotAfter.ToUniversalTime():u}");
        }

        if (now.UtcDateTime < certificate.NotBefore.ToUniversalTime())
        {
            return Refuse(RefusalReason.NotYetValid, $"certificate {serial} ({subject}) is valid only from {certificate.NotBefore.ToUniversalTime():u}");
        }

        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            chain.ChainPolicy.VerificationTime = now.UtcDateTime;
            if (intermediates is not null)
            {
                chain.ChainPolicy.ExtraStore.AddRange(intermediates);
            }

            if (!chain.Build(certificate))
            {
                var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status).Distinct());
                return Refuse(RefusalReason.OtherAuthority, $"certificate {serial} ({subject}, issued by {certificate.Issuer}) does not chain to the cluster's CA ({authority.Subject}): {status}");
            }
        }

        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Select(o => o.Value).ToHashSet(StringComparer.Ordinal);
        if (!usages.Contains(ServerAuth) || !usages.Contains(ClientAuth))
        {
            return Refuse(RefusalReason.WrongUsage, $"certificate {serial} ({subject}) is not for both TLS servers and clients (extended key usages serverAuth and clientAuth)");
        }

        if (revoked.Find(serial) is { } revocation)
        {
            return Refuse(RefusalReason.Revoked, $"certificate {serial} of node {revocation.NodeId} was revoked at {revocation.RevokedAt:u}: {revocation.Reason}");
        }

        var nodeId = NodeIdOf(certificate);
        if (nodeId is null)
        {
            return Refuse(RefusalReason.NoNodeId, $"certificate {serial} ({subject}) names no node: no SAN URI {NodeCertificates.NodeUriPrefix}ID with the id of its CN");
        }

        IReadOnlyList<string> roles;
        try
        {
            roles = NodeCertificates.RolesOf(certificate);
        }
        catch (InvalidInputException e)
        {
            return Refuse(RefusalReason.NoRoles, $"certificate {serial} of node {nodeId}: {e.Problem}");
        }

        if (roles.Count == 0)
        {
            return Refuse(RefusalReason.NoRoles, $"certificate {serial} of node {nodeId} grants no cluster role");
        }

        return new PeerCheck(RefusalReason.None, $"certificate {serial} of node {nodeId} (roles {string.Join(",", roles)})", serial, nodeId, roles);

        PeerCheck Refuse(RefusalReason reason, string detail) => new(reason, detail, serial, null, []);
    }

    /// <summary>
    /// The node id <paramref name="certificate"/> names: the id in its SAN URI
    /// <c>urn:edgetrain:node:{id}</c> when its CN is the same id; null otherwise.
    /// </summary>
    public static string? NodeIdOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var extension = certificate.Extensions["2.5.29.17"];
        if (extension is null)
        {
            return null;
        }

        var uris = new List<string>();
        try
        {
            var names = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.HasSameClassAndValue(UriTag))
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            return null;
        }

        var common = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return uris
            .Where(u => u.StartsWith(NodeCertificates.NodeUriPrefix, StringComparison.Ordinal))
            .Select(u => u[NodeCertificates.NodeUriPrefix.Length..])
            .FirstOrDefault(id => id.Length > 0 && string.Equals(id, common, StringComparison.Ordinal));
    }
}
