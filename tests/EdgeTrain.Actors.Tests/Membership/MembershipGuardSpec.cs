using EdgeTrain.Actors.Membership;
using EdgeTrain.Actors.Security;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.Actors.Tests.Membership;

public sealed class MembershipGuardSpec
{
    private const string Self = "akka.ssl.tcp://edgetrain@10.0.0.1:4053";
    private const string Node = "akka.ssl.tcp://edgetrain@10.0.0.2:4054";
    private const string Listener = "10.0.0.2:4054";
    private static readonly TimeSpan BindTimeout = TimeSpan.FromSeconds(20);
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static GuardedMember Member(long uid = 1, params string[] roles) => new(Node, Listener, uid, roles.Length == 0 ? ["params"] : roles, T0);

    private static PeerCertificateSeen Seen(string serial = "A1", string node = "volunteer", RefusalReason refusal = RefusalReason.None, DateTimeOffset? notAfter = null, params string[] grants) =>
        new("ssl.tcp://edgetrain@" + Listener, Listener,
            new PeerCheck(refusal, refusal == RefusalReason.None ? "fine" : "refused because", serial, refusal == RefusalReason.None ? node : null, grants.Length == 0 ? ["params"] : grants),
            notAfter ?? T0.AddYears(1), T0);

    private static MembershipGuard Guard => MembershipGuard.Create(Self, RevocationList.Empty);

    [Fact]
    public void A_member_without_a_certificate_is_probed_then_downed_after_the_bind_timeout()
    {
        var guard = Guard.Joined(Member());

        var (afterProbe, first) = guard.Decide(T0.AddSeconds(1), BindTimeout);
        var (_, later) = afterProbe.Decide(T0 + BindTimeout, BindTimeout);

        Assert.Equal([new ProbeMember(Node, Listener)], first);
        var down = Assert.IsType<DownMember>(Assert.Single(later));
        Assert.Contains("no certificate could be seen at its address 10.0.0.2:4054 within 20 s", down.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_member_whose_certificate_grants_what_it_claims_stays()
    {
        var guard = Guard.Joined(Member(1, "params", "trainer")).Seen(Seen(grants: ["params", "trainer", "aggregator"]));

        Assert.Empty(guard.Decide(T0.AddMinutes(5), BindTimeout).Decisions);
        Assert.Equal("A1", guard.CertificateOf(Node)!.Serial);
    }

    [Fact]
    public void A_member_that_claims_seed_without_a_seed_granting_certificate_is_downed_once()
    {
        var guard = Guard.Joined(Member(1, "seed", "params")).Seen(Seen(grants: ["params"]));

        var (next, decisions) = guard.Decide(T0, BindTimeout);

        var down = Assert.IsType<DownMember>(Assert.Single(decisions));
        Assert.Equal((Node, 1L), (down.Address, down.Uid));
        Assert.Contains("claims the role(s) seed, which its certificate A1 (node volunteer) does not grant (it grants params)", down.Reason, StringComparison.Ordinal);
        Assert.Empty(next.Decide(T0.AddSeconds(1), BindTimeout).Decisions);
    }

    [Fact]
    public void A_member_holding_a_client_certificate_is_downed_even_when_it_claims_no_role()
    {
        var guard = Guard.Joined(new GuardedMember(Node, Listener, 1, [], T0)).Seen(Seen(grants: [ClusterRoles.Client]));

        var down = Assert.IsType<DownMember>(Assert.Single(guard.Decide(T0, BindTimeout).Decisions));

        Assert.Contains("is a client certificate (it grants client), which cannot make a member", down.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_revoked_expired_or_refused_certificate_downs_its_member()
    {
        var bound = Guard.Joined(Member()).Seen(Seen());
        using var pki = new TestPki();
        pki.Ca.Revoke("a1", "volunteer", "stolen");
        var revoked = bound.WithRevoked(pki.Ca.Revocations());
        var expired = Guard.Joined(Member()).Seen(Seen(notAfter: T0.AddMinutes(1)));
        var refused = Guard.Joined(Member()).Seen(Seen(refusal: RefusalReason.OtherAuthority));

        Assert.Contains("revoked", Assert.IsType<DownMember>(Assert.Single(revoked.Decide(T0, BindTimeout).Decisions)).Reason, StringComparison.Ordinal);
        Assert.Empty(expired.Decide(T0, BindTimeout).Decisions);
        Assert.Contains("expired", Assert.IsType<DownMember>(Assert.Single(expired.Decide(T0.AddMinutes(2), BindTimeout).Decisions)).Reason, StringComparison.Ordinal);
        Assert.Contains("not from the cluster's CA", Assert.IsType<DownMember>(Assert.Single(refused.Decide(T0, BindTimeout).Decisions)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_incarnation_at_the_same_address_is_bound_anew_and_this_node_is_never_judged()
    {
        var guard = Guard.Joined(Member(1)).Seen(Seen());

        var restarted = guard.Joined(Member(2) with { Since = T0.AddMinutes(1) });
        var self = Guard.Joined(new GuardedMember(Self, "10.0.0.1:4053", 9, ["seed"], T0));

        Assert.Null(restarted.CertificateOf(Node));
        Assert.Equal([new ProbeMember(Node, Listener)], restarted.Decide(T0.AddMinutes(1), BindTimeout).Decisions);
        Assert.Empty(self.Members);
        Assert.Empty(guard.Removed(Node).Bindings);
    }

    [Fact]
    public void A_revocation_names_the_certificate_bound_to_a_member_s_address_or_a_serial()
    {
        var guard = Guard.Joined(Member()).Seen(Seen(serial: "0A1B", node: "volunteer"));
        var unseen = Guard.Joined(Member());

        Assert.Equal(new RevocationTarget("0A1B", "volunteer", Node, null), guard.Resolve(Listener));
        Assert.Equal(new RevocationTarget("0A1B", "volunteer", Node, null), guard.Resolve(Node));
        Assert.Equal(new RevocationTarget("0A1B", "volunteer", Node, null), guard.Resolve("0a:1b"));
        Assert.Equal(new RevocationTarget("C0FFEE", null, null, null), guard.Resolve("c0ffee"));
        Assert.Contains("no member of the cluster listens at 10.0.0.9:4054 (members: 10.0.0.2:4054)", guard.Resolve("10.0.0.9:4054").Refusal, StringComparison.Ordinal);
        Assert.Contains("has not seen the certificate of " + Node + " yet", unseen.Resolve(Listener).Refusal, StringComparison.Ordinal);
        Assert.Contains("is this node", guard.Resolve("10.0.0.1:4053").Refusal, StringComparison.Ordinal);
        Assert.Contains("found 'node-7'", guard.Resolve("node-7").Refusal, StringComparison.Ordinal);
        Assert.NotNull(guard.Resolve(" ").Refusal);
    }
}
