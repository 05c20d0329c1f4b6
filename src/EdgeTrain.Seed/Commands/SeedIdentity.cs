using EdgeTrain.Core;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// The identity of a seed that holds the cluster's CA (<c>edgetrain seed --ca DIR</c>): it needs no join
/// token, since it can sign for itself. Its identity folder is written when it is missing, from another CA,
/// short of a role the seed now claims, or has less than a third of its validity left; the node id stays.
/// </summary>
internal static class SeedIdentity
{
    /// <summary>How long the seed's own certificate is valid.</summary>
    public static readonly TimeSpan Validity = CertificateAuthority.DefaultNodeValidity;

    /// <summary>Makes sure <paramref name="folder"/> holds a certificate of <paramref name="ca"/> granting <paramref name="roles"/>.</summary>
    /// <returns>The reason a certificate was issued, or null when the one there was kept.</returns>
    public static string? Ensure(CertificateAuthority ca, IdentityFolder folder, IReadOnlyCollection<string> roles, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(roles);
        ArgumentNullException.ThrowIfNull(output);
        var (nodeId, why) = Inspect(ca, folder, roles);
        if (why is null)
        {
            return null;
        }

        using var certificate = ca.IssueSelf(nodeId ?? NodeIds.New(), roles, Validity);
        folder.Write(certificate, ca.Certificate);
        output.WriteLine($"edgetrain seed: issued its own certificate ({NodeCertificates.NodeIdOf(certificate)}, roles {string.Join(",", roles)}, until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}) into {folder.Path}: {why}");
        return why;
    }

    // the node id to keep (null: a new one) and why a new certificate is needed (null: it is not)
    private static (string? NodeId, string? Why) Inspect(CertificateAuthority ca, IdentityFolder folder, IReadOnlyCollection<string> roles)
    {
        if (!folder.Exists)
        {
            return (null, "there was none");
        }

        NodeIdentity identity;
        try
        {
            identity = folder.Read();
        }
        catch (InvalidInputException e)
        {
            return (null, $"the one there is unusable ({e.Message})");
        }

        using (identity)
        {
            if (!identity.Ca.RawData.AsSpan().SequenceEqual(ca.Certificate.RawData))
            {
                return (null, $"the one there is of another CA ({identity.Ca.Subject})");
            }

            var missing = roles.Except(identity.Roles, StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                return (identity.NodeId, $"the one there does not grant {string.Join(",", missing)}");
            }

            return identity.NeedsRenewal(DateTimeOffset.UtcNow)
                ? (identity.NodeId, $"the one there runs out on {identity.NotAfter:yyyy-MM-dd}")
                : (identity.NodeId, null);
        }
    }
}
