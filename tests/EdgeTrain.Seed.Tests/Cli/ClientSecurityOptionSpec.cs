using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Security;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Tests;

namespace EdgeTrain.Seed.Tests.Cli;

/// <summary>How a client command proves who it is: <c>--ca</c>, <c>--identity</c>, <c>--insecure</c>, and the errors.</summary>
public sealed class ClientSecurityOptionSpec : IDisposable
{
    private readonly TestPki pki = new();
    private readonly TempFolder temp = new();

    public void Dispose()
    {
        pki.Dispose();
        temp.Dispose();
    }

    private static CommandLine Line(params string[] args) => CommandLine.Parse(args, ClientSecurityOption.Options, ClientSecurityOption.Switches);

    [Fact]
    public void With_the_CA_a_client_certificate_is_made_in_memory_that_grants_only_the_client_role()
    {
        using var security = ClientSecurityOption.Resolve(Line("--ca", pki.Folder), TextWriter.Null);

        Assert.Equal(SecurityMode.Tls, security.Mode);
        Assert.Equal([ClusterRoles.Client], security.Identity!.Roles);
        Assert.StartsWith("client-", security.Identity.NodeId, StringComparison.Ordinal);
        Assert.True(security.Identity.Certificate.HasPrivateKey);
        Assert.True(PeerCertificatePolicy.Check(security.Identity.Certificate, pki.Authority, RevocationList.Empty, DateTimeOffset.UtcNow).Accepted);
        Assert.False(ClusterRoles.AllowsMembership(security.Identity.Roles));
        Assert.Equal([Path.Combine(pki.Folder, CertificateAuthority.CertificateFile)], Directory.GetFiles(pki.Folder, "*.crt")); // nothing written
    }

    [Fact]
    public void An_identity_folder_or_the_data_folder_holding_it_is_used_as_it_is()
    {
        using var certificate = pki.Issue("seed-1", [ClusterRoles.Seed]);
        pki.WriteIdentity(IdentityFolder.InDataDirectory(temp.Path).Path, certificate);

        using var fromFolder = ClientSecurityOption.Resolve(Line("--identity", IdentityFolder.InDataDirectory(temp.Path).Path), TextWriter.Null);
        using var fromDataDir = ClientSecurityOption.Resolve(Line("--identity", temp.Path), TextWriter.Null);

        Assert.Equal("seed-1", fromFolder.Identity!.NodeId);
        Assert.Equal("seed-1", fromDataDir.Identity!.NodeId);
    }

    [Fact]
    public void Insecure_warns_and_two_choices_or_an_empty_identity_folder_are_refused_by_name()
    {
        var warning = new StringWriter();
        using (var insecure = ClientSecurityOption.Resolve(Line("--insecure"), warning))
        {
            Assert.Equal(SecurityMode.Insecure, insecure.Mode);
            Assert.Null(insecure.Identity);
        }

        Assert.Contains("--insecure", warning.ToString(), StringComparison.Ordinal);
        var both = Assert.Throws<InvalidInputException>(() => ClientSecurityOption.Resolve(Line("--ca", pki.Folder, "--insecure"), TextWriter.Null));
        Assert.Contains("give one of", both.Message, StringComparison.Ordinal);
        var empty = Assert.Throws<InvalidInputException>(() => ClientSecurityOption.Resolve(Line("--identity", temp.File("nothing")), TextWriter.Null));
        Assert.Contains("no node identity here", empty.Message, StringComparison.Ordinal);
    }
}
