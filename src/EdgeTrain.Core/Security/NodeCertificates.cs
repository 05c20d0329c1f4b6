using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace EdgeTrain.Core.Security;

/// <summary>
/// What a node certificate of the cluster's own CA says about its holder: its node id (the subject's
/// common name, and a SAN URI <c>urn:edgetrain:node:{id}</c>) and the cluster roles it grants, in a
/// private extension (<see cref="RolesOid"/>, an ASN.1 SEQUENCE of UTF8Strings). Only the roles a
/// certificate grants may be claimed by the node that holds it; only a certificate that grants
/// <c>seed</c> may host the coordinator.
/// </summary>
public static class NodeCertificates
{
    /// <summary>The OID of the roles extension (under a private arc of this project; non-critical).</summary>
    public const string RolesOid = "1.3.6.1.4.1.59999.7.1";

    /// <summary>The prefix of the SAN URI that names the node.</summary>
    public const string NodeUriPrefix = "urn:edgetrain:node:";

    /// <summary>The extension that grants <paramref name="roles"/>.</summary>
    public static X509Extension RolesExtension(IEnumerable<string> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var role in roles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                writer.WriteCharacterString(UniversalTagNumber.UTF8String, role);
            }
        }

        return new X509Extension(RolesOid, writer.Encode(), critical: false);
    }

    /// <summary>The roles <paramref name="certificate"/> grants (none when it has no roles extension).</summary>
    /// <exception cref="InvalidInputException">the extension is there but malformed.</exception>
    public static IReadOnlyList<string> RolesOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var extension = certificate.Extensions[RolesOid];
        if (extension is null)
        {
            return [];
        }

        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var roles = new List<string>();
            while (sequence.HasData)
            {
                roles.Add(sequence.ReadCharacterString(UniversalTagNumber.UTF8String));
            }

            return roles;
        }
        catch (AsnContentException e)
        {
            throw new InvalidInputException(certificate.Subject, "roles", $"the roles extension {RolesOid} is malformed: {e.Message}", e);
        }
    }

    /// <summary>The node id <paramref name="certificate"/> names (its subject's common name).</summary>
    public static string NodeIdOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
    }

    /// <summary>The roles of <paramref name="claimed"/> that <paramref name="certificate"/> does not grant (empty: every claim is granted).</summary>
    public static IReadOnlyList<string> Ungranted(X509Certificate2 certificate, IEnumerable<string> claimed)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        var granted = RolesOf(certificate);
        return [.. claimed.Where(role => !granted.Contains(role, StringComparer.Ordinal))];
    }
}
