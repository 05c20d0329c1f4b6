using Akka.Configuration;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Security;
using EdgeTrain.Core;
using EdgeTrain.Tests;

namespace EdgeTrain.Actors.Tests.Security;

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

        using var identity = NodeIdentity.Load(folder);

        Assert.Equal("volunteer-1", identity.NodeId);
        Assert.Equal(["params", "trainer"], identity.Roles);
        Assert.True(identity.Certificate.HasPrivateKey);
        Assert.Equal(pki.Authority.Thumbprint, identity.Authority.Thumbprint);
        identity.CheckClaims(["trainer"]);
    }

    [Fact]
    public void A_node_without_an_identity_is_told_how_to_get_one()
    {
        var e = Assert.Throws<InvalidInputException>(() => NodeIdentity.Load(temp.File("identity")));

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
            var message = Assert.Throws<InvalidInputException>(() => NodeIdentity.Load(open)).Message;
            Assert.True(message.Contains("readable by others", StringComparison.Ordinal) && message.Contains("chmod 600", StringComparison.Ordinal), message);
        }

        Assert.Contains("expired", Assert.Throws<InvalidInputException>(() => NodeIdentity.Load(pki.WriteIdentity(temp.File("expired"), expired))).Message, StringComparison.Ordinal);
        Assert.Contains("does not chain to the cluster's CA", Assert.Throws<InvalidInputException>(() => NodeIdentity.Load(pki.WriteIdentity(temp.File("other"), issued, other.Authority))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Security_settings_default_to_tls_with_the_identity_under_the_data_folder()
    {
        var settings = EdgeTrainSettings.Create(ConfigurationFactory.ParseString("edgetrain.data-dir = \"/srv/edgetrain\"")).Security;

        Assert.Equal(SecurityMode.Tls, settings.Mode);
        Assert.Equal("/srv/edgetrain/identity", settings.IdentityDirectory);
        Assert.Equal("/srv/edgetrain/identity/revocations.json", settings.RevocationFile);
        Assert.Equal(TimeSpan.FromSeconds(20), settings.BindTimeout);
        var bad = Assert.Throws<InvalidInputException>(() => EdgeTrainSettings.Create(ConfigurationFactory.ParseString("edgetrain.security.mode = off")));
        Assert.Contains("edgetrain.security.mode: expected tls or insecure, found 'off'", bad.Message, StringComparison.Ordinal);
    }
}
