using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Security;
using EdgeTrain.Enrolment.Server;

namespace EdgeTrain.Enrolment.Tests.Server;

public sealed class EnrolmentDeskSpec : IDisposable
{
    private readonly TestPkiFolder pki = new();
    private readonly List<EnrolmentRecord> recorded = [];
    private string? auditProblem;

    public void Dispose() => pki.Dispose();

    private EnrolmentDesk Desk(TimeProvider? time = null) => new(pki.Ca, TimeSpan.FromDays(30), (entry, _) =>
    {
        if (auditProblem is null)
        {
            recorded.Add(entry);
        }

        return Task.FromResult(auditProblem);
    }, time);

    private static byte[] Request(string? nodeId = null)
    {
        using var key = SigningRequests.NewKey();
        return SigningRequests.Create(key, nodeId);
    }

    [Fact]
    public async Task Enrol_issues_the_token_roles_records_the_enrolment_without_the_token_and_uses_the_token_up()
    {
        var token = pki.Ca.CreateToken([ClusterRoles.Trainer, ClusterRoles.Params]);

        var grant = await Desk().EnrolAsync(token.Text, Request(), [], "10.0.0.7:5000", CancellationToken.None);

        Assert.Equal([ClusterRoles.Params, ClusterRoles.Trainer], NodeCertificates.RolesOf(grant.Certificate).Order());
        var nodeId = NodeCertificates.NodeIdOf(grant.Certificate);
        Assert.StartsWith("node-", nodeId, StringComparison.Ordinal);
        Assert.InRange(grant.Certificate.NotAfter.ToUniversalTime() - DateTime.UtcNow, TimeSpan.FromDays(29.9), TimeSpan.FromDays(30));
        var entry = Assert.Single(recorded);
        Assert.Equal(AuditActions.NodeEnrol, entry.Action);
        Assert.Equal(nodeId, entry.NodeId);
        Assert.Equal(grant.Certificate.SerialNumber, entry.Serial);
        Assert.Equal(token.Id, entry.TokenId);
        Assert.Contains($"token {token.Id}", entry.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Text, entry.Detail, StringComparison.Ordinal);
        Assert.Equal("enrolment (10.0.0.7:5000)", entry.Who);
        Assert.Single(pki.UsedTokens(), l => l.StartsWith(token.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_used_token_is_refused_as_used()
    {
        var token = pki.Ca.CreateToken();
        var desk = Desk();
        await desk.EnrolAsync(token.Text, Request(), [], "peer", CancellationToken.None);

        var refusal = await Assert.ThrowsAsync<EnrolmentRefusal>(() => desk.EnrolAsync(token.Text, Request(), [], "peer", CancellationToken.None));

        Assert.Equal(EnrolmentProblem.UsedToken, refusal.Problem);
        Assert.StartsWith("used token: ", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("already used", refusal.Message, StringComparison.Ordinal);
        Assert.Single(recorded);
    }

    [Fact]
    public async Task An_expired_token_is_refused_as_expired_and_not_used_up()
    {
        var past = new ManualClock();
        past.Advance(TimeSpan.FromHours(-2));
        using var earlier = CertificateAuthority.Load(pki.CaFolder, past);
        var token = earlier.CreateToken(ttl: TimeSpan.FromHours(1));

        var refusal = await Assert.ThrowsAsync<EnrolmentRefusal>(() => Desk().EnrolAsync(token.Text, Request(), [], "peer", CancellationToken.None));

        Assert.Equal(EnrolmentProblem.ExpiredToken, refusal.Problem);
        Assert.Contains("expired at", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(pki.UsedTokens());
        Assert.Empty(recorded);
    }

    [Fact]
    public async Task Another_clusters_token_and_an_altered_one_are_bad_tokens()
    {
        using var other = new TestPkiFolder();
        var foreign = other.Ca.CreateToken();
        var own = pki.Ca.CreateToken();
        var altered = own.Text[..^3] + (own.Text[^3] == 'A' ? "B" : "A") + own.Text[^2..];

        var a = await Assert.ThrowsAsync<EnrolmentRefusal>(() => Desk().EnrolAsync(foreign.Text, Request(), [], "peer", CancellationToken.None));
        var b = await Assert.ThrowsAsync<EnrolmentRefusal>(() => Desk().EnrolAsync(altered, Request(), [], "peer", CancellationToken.None));
        var c = await Assert.ThrowsAsync<EnrolmentRefusal>(() => Desk().EnrolAsync("not a token", Request(), [], "peer", CancellationToken.None));

        Assert.All([a, b, c], r => Assert.Equal(EnrolmentProblem.BadToken, r.Problem));
        Assert.Contains("another cluster's CA", a.Message, StringComparison.Ordinal);
        Assert.Empty(pki.UsedTokens());
    }

    [Fact]
    public async Task Roles_beyond_the_token_are_refused_naming_them_and_the_token_stays_unused()
    {
        var token = pki.Ca.CreateToken([ClusterRoles.Trainer]);

        var refusal = await Assert.ThrowsAsync<EnrolmentRefusal>(() => Desk().EnrolAsync(token.Text, Request(), [ClusterRoles.Trainer, ClusterRoles.Params], "peer", CancellationToken.None));

        Assert.Equal(EnrolmentProblem.RolesNotGranted, refusal.Problem);
        Assert.Contains("does not grant params", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(pki.UsedTokens());
        var grant = await Desk().EnrolAsync(token.Text, Request(), [ClusterRoles.Trainer], "peer", CancellationToken.None);
        Assert.Equal([ClusterRoles.Trainer], NodeCertificates.RolesOf(grant.Certificate));
    }

    [Fact]
    public async Task A_bad_signing_request_is_refused_and_the_token_stays_unused()
    {
        var token = pki.Ca.CreateToken();
        var request = Request();
        request[^5] ^= 0x40;

        var refusal = await Assert.ThrowsAsync<EnrolmentRefusal>(() => Desk().EnrolAsync(token.Text, request, [], "peer", CancellationToken.None));
        var empty = await Assert.ThrowsAsync<EnrolmentRefusal>(() => Desk().EnrolAsync(token.Text, Array.Empty<byte>(), [], "peer", CancellationToken.None));

        Assert.Equal(EnrolmentProblem.BadRequest, refusal.Problem);
        Assert.StartsWith("bad certificate request: ", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(EnrolmentProblem.BadRequest, empty.Problem);
        Assert.Empty(pki.UsedTokens());
    }

    [Fact]
    public async Task An_enrolment_the_audit_log_does_not_take_is_refused_and_gives_the_token_back()
    {
        var token = pki.Ca.CreateToken();
        auditProblem = "no answer from the job coordinator within 10 s";

        var refusal = await Assert.ThrowsAsync<EnrolmentRefusal>(() => Desk().EnrolAsync(token.Text, Request(), [], "peer", CancellationToken.None));

        Assert.Equal(EnrolmentProblem.NotRecorded, refusal.Problem);
        Assert.Contains("still unused", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(pki.UsedTokens());
        auditProblem = null;
        await Desk().EnrolAsync(token.Text, Request(), [], "peer", CancellationToken.None);
        Assert.Single(recorded);
    }

    [Fact]
    public async Task Renew_issues_the_same_node_and_roles_for_the_same_key_and_records_it()
    {
        using var key = SigningRequests.NewKey();
        using var first = pki.Ca.Issue(SigningRequests.Create(key, "node-renew"), [ClusterRoles.Trainer], TimeSpan.FromDays(30));

        var grant = await Desk().RenewAsync(first, SigningRequests.Create(key, "node-renew"), "peer", CancellationToken.None);

        Assert.Equal("node-renew", NodeCertificates.NodeIdOf(grant.Certificate));
        Assert.Equal([ClusterRoles.Trainer], NodeCertificates.RolesOf(grant.Certificate));
        Assert.NotEqual(first.SerialNumber, grant.Certificate.SerialNumber);
        var entry = Assert.Single(recorded);
        Assert.Equal(AuditActions.NodeRenew, entry.Action);
        Assert.Equal("", entry.TokenId);
    }

    [Fact]
    public async Task Renew_refuses_no_certificate_another_node_another_key_another_CA_expired_and_revoked()
    {
        using var key = SigningRequests.NewKey();
        using var current = pki.Ca.Issue(SigningRequests.Create(key, "node-a"), [ClusterRoles.Trainer], TimeSpan.FromDays(30));
        using var otherKey = SigningRequests.NewKey();
        using var other = new TestPkiFolder();
        using var foreign = other.Ca.Issue(SigningRequests.Create(key, "node-a"), [ClusterRoles.Trainer], TimeSpan.FromDays(30));
        var later = new ManualClock();
        later.Advance(TimeSpan.FromDays(31));

        async Task<EnrolmentRefusal> Refused(X509Certificate2? client, byte[] request, TimeProvider? time = null) =>
            await Assert.ThrowsAsync<EnrolmentRefusal>(() => Desk(time).RenewAsync(client, request, "peer", CancellationToken.None));

        Assert.Equal(EnrolmentProblem.NotAuthenticated, (await Refused(null, SigningRequests.Create(key, "node-a"))).Problem);
        Assert.Equal(EnrolmentProblem.BadRequest, (await Refused(current, SigningRequests.Create(key, "node-b"))).Problem);
        Assert.Contains("key of the client certificate", (await Refused(current, SigningRequests.Create(otherKey, "node-a"))).Message, StringComparison.Ordinal);
        Assert.Contains("not issued by this cluster's CA", (await Refused(foreign, SigningRequests.Create(key, "node-a"))).Message, StringComparison.Ordinal);
        Assert.Contains("expired at", (await Refused(current, SigningRequests.Create(key, "node-a"), later)).Message, StringComparison.Ordinal);
        pki.Ca.Revoke(current, "lost laptop");
        var revoked = await Refused(current, SigningRequests.Create(key, "node-a"));
        Assert.Equal(EnrolmentProblem.Revoked, revoked.Problem);
        Assert.Contains("lost laptop", revoked.Message, StringComparison.Ordinal);
        Assert.Empty(recorded);
    }
}
