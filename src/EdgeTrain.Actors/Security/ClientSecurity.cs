using EdgeTrain.Core.Security;

namespace EdgeTrain.Actors.Security;

/// <summary>
/// How a command-line client (<see cref="Hosting.EdgeTrainClient"/>) speaks to the cluster: over mutual TLS
/// with an identity of the cluster's CA — an identity folder on this machine, or a short-lived certificate
/// that the CA makes in memory for this one command — or, for a cluster started with <c>--insecure</c>,
/// plain TCP. Owns its identity.
/// </summary>
public sealed class ClientSecurity : IDisposable
{
    /// <summary>How long a client certificate made in memory by the CA is valid.</summary>
    public static readonly TimeSpan InMemoryValidity = TimeSpan.FromHours(12);

    private ClientSecurity(SecurityMode mode, NodeIdentity? identity, RevocationList revoked, string description)
    {
        Mode = mode;
        Identity = identity;
        Revoked = revoked;
        Description = description;
    }

    /// <summary>Plain TCP, no certificates: only for a cluster that runs with <c>--insecure</c>.</summary>
    public static ClientSecurity Insecure => new(SecurityMode.Insecure, null, RevocationList.Empty, "without TLS");

    /// <summary>TLS or not.</summary>
    public SecurityMode Mode { get; }

    /// <summary>The client's identity over TLS (null without TLS).</summary>
    public NodeIdentity? Identity { get; }

    /// <summary>The revocation list the client checks the seed's certificate against.</summary>
    public RevocationList Revoked { get; }

    /// <summary>Where the identity comes from, for messages.</summary>
    public string Description { get; }

    /// <summary>
    /// The identity in <paramref name="folder"/> (a node's or a seed's identity folder on this machine). Any
    /// certificate of the cluster's CA that its peers accept will do; the client never claims a role.
    /// </summary>
    /// <exception cref="Core.InvalidInputException">no identity there, or one the cluster would refuse (naming the file).</exception>
    public static ClientSecurity FromFolder(IdentityFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var identity = ClusterTls.LoadIdentity(folder, claimed: null);
        try
        {
            return new ClientSecurity(SecurityMode.Tls, identity, folder.ReadRevocations(identity.Ca), $"identity {identity.NodeId} from {folder.Path}");
        }
        catch
        {
            identity.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A client certificate (role <see cref="ClusterRoles.Client"/>, valid <see cref="InMemoryValidity"/>) that
    /// <paramref name="ca"/> makes for this command and that is never written anywhere: for the researcher on the
    /// machine that holds the cluster's CA.
    /// </summary>
    public static ClientSecurity FromAuthority(CertificateAuthority ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        var id = "client-" + NodeIds.New()["node-".Length..];
        using var certificate = ca.IssueSelf(id, [ClusterRoles.Client], InMemoryValidity);
        return new ClientSecurity(SecurityMode.Tls, NodeIdentity.InMemory(certificate, ca.Certificate), ca.Revocations(), $"client certificate {id} of {ca.Name}");
    }

    /// <inheritdoc />
    public void Dispose() => Identity?.Dispose();
}
