using EdgeTrain.Core.Security;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// The integration tests' clusters run as a careful user runs one: over mutual TLS with certificates of one
/// CA (made once per test run in a temporary folder). A seed or node started by a test without a security
/// switch of its own gets its identity laid out in its data folder beforehand, as an operator provisions a
/// machine (enrolment itself, token to certificate, is what <see cref="EnrolmentSpec"/> runs); a client
/// command gets <c>--ca</c>, so it makes a client certificate in memory as a researcher's does.
/// </summary>
internal static class TestClusterPki
{
    private static readonly Lazy<string> CaFolder = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), "edgetrain-it-ca-" + Guid.NewGuid().ToString("N")[..12]);
        using (CertificateAuthority.Init(folder, "EdgeTrain integration tests CA"))
        {
        }

        return folder;
    });

    private static readonly object Gate = new();

    // the client commands that reach a cluster through a seed
    private static readonly string[] ClientCommands = ["submit", "status", "watch", "checkpoint", "audit"];

    private static readonly string[] SecuritySwitches = ["--insecure", "--ca", "--identity", "--enroll", "--enroll-file"];

    /// <summary>The CA's folder.</summary>
    public static string Ca => CaFolder.Value;

    /// <summary>
    /// <paramref name="args"/> of <paramref name="program"/> made secure: identities for seeds and nodes, <c>--ca</c>
    /// for client commands with <c>--seed</c>; untouched when they carry a security switch already.
    /// </summary>
    public static List<string> Secure(string program, List<string> args)
    {
        if (args.Any(SecuritySwitches.Contains))
        {
            return args;
        }

        if ((program == "edgetrain" && args.Count > 0 && args[0] == "seed") || program == "edgetrain-node")
        {
            // several of a test's processes may share a data folder, so they share one identity that grants all
            Provision(IdentityFolder.InDataDirectory(ValueOf(args, "--data-dir") ?? "data"));
            return args;
        }

        if (program == "edgetrain" && args.Count > 0 && ClientCommands.Contains(args[0]) && args.Contains("--seed"))
        {
            return [.. args, "--ca", Ca];
        }

        return args;
    }

    // a certificate of the tests' CA granting every member role in the folder, unless it holds one already
    private static void Provision(IdentityFolder folder)
    {
        lock (Gate)
        {
            if (folder.Exists)
            {
                return;
            }

            using var ca = CertificateAuthority.Load(Ca);
            using var certificate = ca.IssueSelf(NodeIds.New(), [ClusterRoles.Seed, ClusterRoles.Params, ClusterRoles.Aggregator, ClusterRoles.Trainer, ClusterRoles.Gateway], TimeSpan.FromDays(90));
            folder.Write(certificate, ca.Certificate);
        }
    }

    /// <summary>
    /// A device's identity in <paramref name="folder"/>: a certificate of the tests' CA that grants the trainer role
    /// only (or <paramref name="roles"/>), as enrolment with a trainer's join token gives it (the device's name is
    /// its node id, returned).
    /// </summary>
    public static string ProvisionDevice(string folder, string[]? roles = null)
    {
        using var ca = CertificateAuthority.Load(Ca);
        var id = NodeIds.New();
        using var certificate = ca.IssueSelf(id, roles ?? [ClusterRoles.Trainer], TimeSpan.FromDays(90));
        new IdentityFolder(folder).Write(certificate, ca.Certificate);
        return id;
    }

    private static string? ValueOf(List<string> args, string name)
    {
        var i = args.LastIndexOf(name);
        return i >= 0 && i + 1 < args.Count ? args[i + 1] : null;
    }
}
