using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.Core.Tests.Security;

/// <summary>What the CA does for the enrolment listener: its TLS certificate, and a token given back.</summary>
public sealed class CertificateAuthorityEnrolmentSpec : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private string Folder => Path.Combine(temp.Path, "ca");

    [Fact]
    public void IssueServer_makes_a_server_certificate_of_the_CA_for_the_hosts_with_no_node_id_or_roles()
    {
        using var ca = CertificateAuthority.Init(Folder);

        using var server = ca.IssueServer("EdgeTrain enrolment", ["seed.example.org", "10.1.2.3", "::1"], TimeSpan.FromDays(90));

        Assert.True(server.HasPrivateKey);
        Assert.Equal("CN=EdgeTrain enrolment", server.Subject);
        var names = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["seed.example.org"], names.EnumerateDnsNames());
        Assert.Equal([IPAddress.Parse("10.1.2.3"), IPAddress.IPv6Loopback], names.EnumerateIPAddresses());
        var usage = server.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], usage.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value));
        Assert.Empty(NodeCertificates.RolesOf(server));
        Assert.True(Pki.Chain(server, ca.Certificate, DateTimeOffset.UtcNow).Built);
        Assert.True(ca.Pin.Check(server, [ca.Certificate], DateTimeOffset.UtcNow).IsTrusted);
    }

    [Fact]
    public void IssueServer_refuses_no_names_and_names_that_are_not_hosts()
    {
        using var ca = CertificateAuthority.Init(Folder);

        Assert.Throws<InvalidInputException>(() => ca.IssueServer("x", [" "], TimeSpan.FromDays(1)));
        var e = Assert.Throws<InvalidInputException>(() => ca.IssueServer("x", ["not a host/name"], TimeSpan.FromDays(1)));
        Assert.Contains("'not a host/name'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_returned_token_can_be_redeemed_again_and_other_used_tokens_stay_used()
    {
        using var ca = CertificateAuthority.Init(Folder);
        var kept = ca.CreateToken();
        var returned = ca.CreateToken();
        ca.RedeemToken(kept.Text);
        ca.RedeemToken(returned.Text);

        Assert.True(ca.ReturnToken(returned));
        Assert.False(ca.ReturnToken(returned));

        ca.RedeemToken(returned.Text);
        Assert.Throws<InvalidInputException>(() => ca.RedeemToken(kept.Text));
        Assert.Throws<InvalidInputException>(() => ca.RedeemToken(returned.Text));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(Folder, CertificateAuthority.UsedTokensFile)).Count(l => l.Length > 0));
    }

    [Fact]
    public void Returning_a_token_never_used_changes_nothing()
    {
        using var ca = CertificateAuthority.Init(Folder);

        Assert.False(ca.ReturnToken(ca.CreateToken()));
        Assert.False(File.Exists(Path.Combine(Folder, CertificateAuthority.UsedTokensFile)));
    }
}
