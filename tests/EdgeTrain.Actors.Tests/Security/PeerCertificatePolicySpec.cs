using EdgeTrain.Actors.Security;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.Actors.Tests.Security;

public sealed class PeerCertificatePolicySpec : IDisposable
{
    private readonly TestPki pki = new();
    private readonly TestPki other = new("another CA");

    public void Dispose()
    {
        pki.Dispose();
        other.Dispose();
    }

    private PeerCheck Check(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate, RevocationList? revoked = null) =>
        PeerCertificatePolicy.Check(certificate, pki.Authority, revoked ?? RevocationList.Empty, DateTimeOffset.UtcNow);

    [Fact]
    public void A_certificate_of_the_cluster_s_CA_is_accepted_with_its_node_and_roles()
    {
        using var certificate = pki.Issue("volunteer-7", ["params", "trainer"]);

        var check = Check(certificate);

        Assert.True(check.Accepted, check.Detail);
        Assert.Equal("volunteer-7", check.NodeId);
        Assert.Equal(["params", "trainer"], check.Roles);
        Assert.Equal(certificate.SerialNumber, check.Serial);
    }

    [Fact]
    public void Each_refusal_names_its_reason()
    {
        using var foreign = other.Issue("volunteer-7", ["params"]);
        using var expired = pki.IssueExpired("old", ["params"]);
        using var future = pki.IssueAt(DateTimeOffset.UtcNow.AddDays(1), "early", ["params"], TimeSpan.FromDays(30));
        using var nameless = pki.IssueMalformed("x", ["params"], withNodeId: false);
        using var roleless = pki.IssueMalformed("idle", [], withRoles: false);
        using var serverOnly = pki.IssueMalformed("server", ["params"], withClientAuth: false);
        using var revoked = pki.Issue("gone", ["params"]);
        pki.Ca.Revoke(revoked, "key leaked");
        var list = pki.Ca.Revocations();

        Assert.Equal(RefusalReason.NoCertificate, Check(null).Reason);
        Assert.Equal(RefusalReason.OtherAuthority, Check(foreign).Reason);
        Assert.Equal(RefusalReason.Expired, Check(expired).Reason);
        Assert.Equal(RefusalReason.NotYetValid, Check(future).Reason);
        Assert.Equal(RefusalReason.NoNodeId, Check(nameless).Reason);
        Assert.Equal(RefusalReason.NoRoles, Check(roleless).Reason);
        Assert.Equal(RefusalReason.WrongUsage, Check(serverOnly).Reason);
        var refusal = Check(revoked, list);
        Assert.Equal(RefusalReason.Revoked, refusal.Reason);
        Assert.Contains("key leaked", refusal.Detail, StringComparison.Ordinal);
        Assert.Contains("another CA", Check(foreign).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_self_signed_copy_of_a_node_s_subject_is_not_from_the_CA()
    {
        using var impostor = new TestPki("volunteer-7");
        using var certificate = impostor.Authority;

        Assert.Equal(RefusalReason.OtherAuthority, Check(certificate).Reason);
    }
}
