using Akka.Configuration;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Security;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.Actors.Tests.Security;

/// <summary>A node's own identity as it starts over TLS (<see cref="ClusterTls.LoadIdentity"/>).</summary>
public sealed class NodeIdentitySpec : IDisposable
{
    private readonly TestPki pki = new();
    private readonly TempFolder temp = new();

    public void Dispose()
    {
        pki.Dispose();
        temp.Dispose();
    }

    [Fact]
    public void An_identity_folder_loads_with_a_key_TLS_can_use()
    {
        using var issued = pki.Issue("volunteer-1", ["params", "trainer"]);
        var folder = pki.WriteIdentity(temp.File("identity"), issued);

        using var identity = ClusterTls.LoadIdentity(new IdentityFolder(folder), ["trainer"]);

        Assert.Equal("volunteer-1", identity.NodeId);
        Assert.Equal(["params", "trainer"], identity.Roles);
        Assert.True(identity.Certificate.HasPrivateKey);
        Assert.Equal(pki.Authority.Thumbprint, identity.Ca.Thumbprint);
    }

    [Fact]
    public void A_node_without_an_identity_is_told_how_to_get_one()
    {
        var e = Assert.Throws<InvalidInputException>(() => Load(temp.File("identity")));

        Assert.Contains("node.crt, node.key, ca.crt missing", e.Message, StringComparison.Ordinal);
        Assert.Contains("enrol", e.Message, StringComparison.Ordinal);
        Assert.Contains("--insecure", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_role_the_certificate_does_not_grant_is_refused_at_start()
    {
        using var issued = pki.Issue("volunteer-2", ["params"]);
        var folder = pki.WriteIdentity(temp.File("identity"), issued);
        var port = LoopbackPorts.Free();

        var e = Assert.Throws<InvalidInputException>(() => EdgeTrainNode.Start(new NodeOptions(
            "127.0.0.1", port, [$"127.0.0.1:{port}"], "local", ["seed", "params"], temp.Path, Cluster.InProcessCluster.Capable, [], IdentityDirectory: folder)));

        Assert.Contains("claims seed, which its certificate (node volunteer-2) does not grant; it grants params", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_others_can_read_an_expired_certificate_or_another_CA_s_are_refused()
    {
        using var issued = pki.Issue("volunteer-3", ["params"]);
        using var expired = pki.IssueExpired("volunteer-4", ["params"]);
        using var other = new TestPki("another CA");

        if (!OperatingSystem.IsWindows())
        {
            var open = pki.WriteIdentity(temp.File("open"), issued);
            File.SetUnixFileMode(Path.Combine(open, "node.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var message = Assert.Throws<InvalidInputException>(() => Load(open)).Message;
            Assert.True(message.Contains("open to other users", StringComparison.Ordinal) && message.Contains("chmod 600", StringComparison.Ordinal), message);
        }

        var old = Assert.Throws<InvalidInputException>(() => Load(pki.WriteIdentity(temp.File("expired"), expired))).Message;
        Assert.True(old.Contains("would be refused by its peers", StringComparison.Ordinal) && old.Contains("expired", StringComparison.Ordinal), old);
        Assert.Contains("was not issued by the CA", Assert.Throws<InvalidInputException>(() => Load(pki.WriteIdentity(temp.File("other"), issued, other.Authority))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_seed_s_CA_must_be_the_one_its_identity_trusts()
    {
        using var issued = pki.Issue("seed-1", ["seed"]);
        using var identity = Load(pki.WriteIdentity(temp.File("identity"), issued));
        using var other = new TestPki("another CA");

        using (var ca = ClusterTls.LoadAuthority(pki.Folder, identity))
        {
            Assert.Equal(pki.Authority.Thumbprint, ca.Certificate.Thumbprint);
        }

        var e = Assert.Throws<InvalidInputException>(() => ClusterTls.LoadAuthority(other.Folder, identity));
        Assert.Contains("is not the one this node's identity trusts", e.Message, StringComparison.Ordinal);
        Assert.Contains("edgetrain ca init", Assert.Throws<InvalidInputException>(() => ClusterTls.LoadAuthority(temp.File("none"), identity)).Message, StringComparison.Ordinal);
    }

    private static NodeIdentity Load(string folder) => ClusterTls.LoadIdentity(new IdentityFolder(folder), null);

    [Fact]
    public void Security_settings_default_to_tls_with_the_identity_under_the_data_folder()
    {
        var settings = EdgeTrainSettings.Create(ConfigurationFactory.ParseString("edgetrain.data-dir = \"/srv/edgetrain\"")).Security;

        Assert.Equal(SecurityMode.Tls, settings.Mode);
        Assert.Equal("/srv/edgetrain/identity", settings.IdentityDirectory);
        Assert.Equal("/srv/edgetrain/identity/revoked", settings.Identity.RevokedPath);
        Assert.Null(settings.CaDirectory);
        Assert.Equal("/srv/ca", EdgeTrainSettings.Create(ConfigurationFactory.ParseString("edgetrain { data-dir = \"/srv/edgetrain\", security.ca-dir = \"/srv/ca\" }")).Security.CaDirectory);
        Assert.Equal(TimeSpan.FromSeconds(20), settings.BindTimeout);
        var bad = Assert.Throws<InvalidInputException>(() => EdgeTrainSettings.Create(ConfigurationFactory.ParseString("edgetrain.security.mode = off")));
        Assert.Contains("edgetrain.security.mode: expected tls or insecure, found 'off'", bad.Message, StringComparison.Ordinal);
    }
}
