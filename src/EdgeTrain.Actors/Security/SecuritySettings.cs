using Akka.Configuration;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Actors.Security;

/// <summary>How a node's remoting is protected (<c>edgetrain.security.mode</c>).</summary>
public enum SecurityMode
{
    /// <summary>Mutual TLS between every pair of nodes, peers checked against the cluster's CA, the revocation list and their granted roles.</summary>
    Tls,

    /// <summary>Plain TCP, no certificates, no checks: for debugging only (the programs' <c>--insecure</c>).</summary>
    Insecure,
}

/// <summary>
/// The <c>edgetrain.security</c> block: mutual TLS, where the node's identity lives, the revocation
/// list, and the timings of the membership guard (defaults and documentation in <c>reference.conf</c>).
/// </summary>
/// <param name="Mode">TLS or insecure.</param>
/// <param name="IdentityDirectory">The node's identity folder (<see cref="IdentityFolder"/>: <c>node.crt</c>, <c>node.key</c>, <c>ca.crt</c>, and its copy of the revocation list, <c>revoked</c>), a full path.</param>
/// <param name="CaDirectory">The cluster CA's folder (<c>ca.crt</c>, <c>ca.key</c>, <c>revoked</c>) on a seed that revokes certificates (<c>edgetrain seed --ca</c>), a full path; null on every other node.</param>
/// <param name="BindTimeout">How long a member may stay without a certificate this node has seen at its address before the guard downs it.</param>
/// <param name="RecheckInterval">How often the guard probes members it has not bound yet and checks every member again.</param>
/// <param name="ProbeTimeout">The longest one TLS probe of a member's address waits.</param>
/// <param name="QuarantineAfter">How long after downing a member the guard quarantines it.</param>
/// <param name="RevocationWriteTimeout">How long a revocation waits for every reachable node to take it before it relies on gossip.</param>
public sealed record SecuritySettings(
    SecurityMode Mode,
    string IdentityDirectory,
    string? CaDirectory,
    TimeSpan BindTimeout,
    TimeSpan RecheckInterval,
    TimeSpan ProbeTimeout,
    TimeSpan QuarantineAfter,
    TimeSpan RevocationWriteTimeout)
{
    /// <summary>The node's identity folder.</summary>
    public IdentityFolder Identity => new(IdentityDirectory);

    /// <summary>Reads <c>edgetrain.security</c> from <paramref name="edgetrain"/> (the <c>edgetrain</c> block); relative paths are under <paramref name="dataDirectory"/>.</summary>
    /// <exception cref="InvalidInputException">an unknown mode or a non-positive interval.</exception>
    public static SecuritySettings Create(Config edgetrain, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(edgetrain);
        ArgumentNullException.ThrowIfNull(dataDirectory);
        var c = edgetrain.GetConfig("security");
        var modeText = c.GetString("mode", "tls");
        var mode = modeText.ToLowerInvariant() switch
        {
            "tls" => SecurityMode.Tls,
            "insecure" => SecurityMode.Insecure,
            _ => throw new InvalidInputException("configuration", "edgetrain.security.mode", $"expected tls or insecure, found '{modeText}'"),
        };
        var identity = c.GetString("identity-dir", "");
        identity = Path.GetFullPath(string.IsNullOrWhiteSpace(identity) ? Path.Combine(dataDirectory, IdentityFolder.FolderName) : Path.Combine(dataDirectory, identity));
        var ca = c.GetString("ca-dir", "");
        return new SecuritySettings(
            mode,
            identity,
            string.IsNullOrWhiteSpace(ca) ? null : Path.GetFullPath(Path.Combine(dataDirectory, ca)),
            Positive(c, "bind-timeout"),
            Positive(c, "recheck-interval"),
            Positive(c, "probe-timeout"),
            Positive(c, "quarantine-after"),
            Positive(c, "revocation-write-timeout"));
    }

    private static TimeSpan Positive(Config c, string key)
    {
        var value = c.GetTimeSpan(key);
        return value > TimeSpan.Zero
            ? value
            : throw new InvalidInputException("configuration", "edgetrain.security." + key, $"expected a positive duration, found {value}");
    }
}
