using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;
using static EdgeTrain.Actors.Membership.GuardProtocol;
using static EdgeTrain.Actors.Tests.Security.SecureCluster;

namespace EdgeTrain.Actors.Tests.Security;

/// <summary>EdgeTrain nodes over mutual TLS on loopback: who gets in, who is downed, who stays out.</summary>
public sealed class ClusterTlsSpec : IAsyncLifetime
{
    // how long an intruder is given to get in before the cluster's state is asserted
    private static readonly TimeSpan Attempt = TimeSpan.FromSeconds(10);
    private readonly SecureCluster cluster = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Nodes_with_certificates_of_the_CA_form_a_cluster_and_a_revoked_one_is_downed_and_cannot_rejoin()
    {
        var seed = cluster.StartSeed();
        var a = cluster.StartNode("node-a", ["params", "aggregator"]);
        var b = cluster.StartNode("node-b", ["params"]);
        Assert.True(await Within(TimeSpan.FromSeconds(60), () => Members(seed.System).Values.Count(s => s == MemberStatus.Up) == 3), string.Join(", ", Members(seed.System)));
        Assert.StartsWith("akka.ssl.tcp://edgetrain@127.0.0.1:", b.Address, StringComparison.Ordinal);
        var serial = SerialOf(cluster.Temp.File("identities/node-b/node.crt"));

        // a node without the CA refuses to revoke; the seed refuses an address that is no member's
        var guardOfA = a.System.ActorSelection("/user/" + ActorNames.MembershipGuard);
        var noCa = Assert.IsType<RevocationRefused>(await guardOfA.Ask<object>(new RevokeNode(b.Address, "test", "ClusterTlsSpec"), TimeSpan.FromSeconds(5)));
        Assert.Contains("holds no CA", noCa.Why, StringComparison.Ordinal);
        var guard = seed.System.ActorSelection("/user/" + ActorNames.MembershipGuard);
        var nobody = Assert.IsType<RevocationRefused>(await guard.Ask<object>(new RevokeNode("127.0.0.1:1", "test", "ClusterTlsSpec"), TimeSpan.FromSeconds(5)));
        Assert.Contains("no member of the cluster listens at 127.0.0.1:1", nobody.Why, StringComparison.Ordinal);

        // the seed's guard finds b's certificate at b's address (once it has seen it), revokes and downs it
        object? answer = null;
        for (var tries = 0; tries < 30 && answer is not NodeRevoked; tries++)
        {
            answer = await guard.Ask<object>(new RevokeNode(b.Address, "test: its key leaked", "ClusterTlsSpec"), TimeSpan.FromSeconds(5));
            if (answer is not NodeRevoked)
            {
                await Task.Delay(500);
            }
        }

        var revoked = Assert.IsType<NodeRevoked>(answer);
        Assert.Equal((serial, "node-b", b.Address), (revoked.Revocation.Serial, revoked.Revocation.NodeId, revoked.Member));
        Assert.True(await Within(TimeSpan.FromSeconds(30), () => b.WhenTerminated.IsCompleted), "the revoked node still runs");
        Assert.True(await Within(TimeSpan.FromSeconds(30), () => !Members(seed.System).ContainsKey(b.Address)), string.Join(", ", Members(seed.System)));
        Assert.True(
            Members(seed.System).GetValueOrDefault(a.Address) == MemberStatus.Up,
            $"node-a is not up on the seed ({string.Join(", ", Members(seed.System))}); node-a's shutdown reason: {CoordinatedShutdown.Get(a.System).ShutdownReason?.ToString() ?? "none"}; its last warnings: {string.Join(" | ", cluster.Log(a.System).TakeLast(8))}");

        // replicated to every node and kept in its identity folder
        var listOfA = new IdentityFolder(cluster.Temp.File("identities/node-a"));
        Assert.True(await Within(TimeSpan.FromSeconds(20), () => File.Exists(listOfA.RevokedPath) && listOfA.ReadRevocations(cluster.Pki.Authority).Contains(serial)), "node-a never wrote the revocation down");
        Assert.True(new IdentityFolder(cluster.Temp.File("identities/seed")).ReadRevocations(cluster.Pki.Authority).Contains(serial));
        // signed by the CA and kept in its folder; audited by the coordinator
        Assert.Equal("test: its key leaked", cluster.Pki.Ca.Revocations().Find(serial)?.Reason);
        IReadOnlyList<AuditEntry> audit = [];
        for (var tries = 0; tries < 40 && !audit.Any(e => e.Action == AuditActions.NodeRevoke); tries++)
        {
            await Task.Delay(500);
            audit = await AuditLog(seed);
        }

        Assert.Contains(audit, e => e.Action == AuditActions.NodeRevoke && e.Subject == b.Address && e.Who == "ClusterTlsSpec" && e.Detail.Contains($"node node-b, certificate serial {serial}", StringComparison.Ordinal));

        // b comes back with the same certificate: refused at every handshake, never a member
        var again = cluster.StartNode("node-b", ["params"], identity: cluster.Temp.File("identities/node-b"));
        await Task.Delay(Attempt);
        Assert.DoesNotContain(again.Address, Members(seed.System).Keys);
        Assert.Contains(cluster.Log(seed.System), l => l.Contains("TLS: refused inbound connection", StringComparison.Ordinal) && l.Contains("certificate revoked", StringComparison.Ordinal) && l.Contains(serial, StringComparison.Ordinal));

        // and nobody else went down with it (Akka dials a node it quarantined; a refused outbound handshake stops the dialler)
        Assert.False(seed.WhenTerminated.IsCompleted || a.WhenTerminated.IsCompleted, $"the seed or node-a stopped: {Stopped("seed", seed)} {Stopped("node-a", a)}");
        Assert.Equal(MemberStatus.Up, Akka.Cluster.Cluster.Get(seed.System).SelfMember.Status);
        Assert.Equal(MemberStatus.Up, Akka.Cluster.Cluster.Get(a.System).SelfMember.Status);
        Assert.Equal(2, Members(a.System).Count);
    }

    // why a node stopped, and its last warnings: what a failure of the assertion above needs to be understood
    private string Stopped(string name, Hosting.EdgeTrainNode node) => node.WhenTerminated.IsCompleted
        ? $"[{name} stopped: {CoordinatedShutdown.Get(node.System).ShutdownReason?.ToString() ?? "no reason"}; its last warnings: {string.Join(" | ", cluster.Log(node.System).TakeLast(10))}]"
        : $"[{name} runs]";

    [Fact]
    public async Task Nodes_without_a_certificate_with_another_CA_s_an_expired_or_a_revoked_one_never_become_members()
    {
        using var revokedCertificate = cluster.Pki.Issue("revoked-node", ["params"]);
        cluster.Pki.Ca.Revoke(revokedCertificate, "test: decommissioned");
        // the seed knows the revocation before it starts: from the list in its identity folder (it holds no CA)
        new IdentityFolder(cluster.Temp.File("identities/seed")).WriteRevocations(cluster.Pki.Ca.Revocations());
        var seed = cluster.StartSeed(holdsCa: false);
        Assert.True(await Within(TimeSpan.FromSeconds(30), () => Akka.Cluster.Cluster.Get(seed.System).SelfMember.Status == MemberStatus.Up));
        using var otherCa = new TestPki("another CA");
        using var foreign = otherCa.Issue("foreign-node", ["params"]);
        using var expired = cluster.Pki.IssueExpired("expired-node", ["params"]);

        var intruders = new[]
        {
            cluster.StartIntruder(null),
            cluster.StartIntruder(foreign, presentCertificate: false),
            cluster.StartIntruder(foreign),
            cluster.StartIntruder(expired),
            cluster.StartIntruder(revokedCertificate),
        };
        await Task.Delay(Attempt);

        Assert.Equal([seed.Address], Members(seed.System).Keys);
        Assert.Equal(MemberStatus.Up, Akka.Cluster.Cluster.Get(seed.System).SelfMember.Status);
        Assert.All(intruders, i => Assert.NotEqual(MemberStatus.Up, Akka.Cluster.Cluster.Get(i).SelfMember.Status));
        var log = cluster.Log(seed.System);
        Assert.Contains(log, l => l.Contains("due to TLS handshake failure", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("did not provide a certificate", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("refused inbound connection from [", StringComparison.Ordinal) && l.Contains("not from the cluster's CA", StringComparison.Ordinal) && l.Contains("another CA", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("certificate expired", StringComparison.Ordinal) && l.Contains("expired-node", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("certificate revoked", StringComparison.Ordinal) && l.Contains("test: decommissioned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_node_that_claims_seed_without_a_seed_granting_certificate_is_downed_and_never_hosts_the_coordinator()
    {
        var seed = cluster.StartSeed();
        Assert.True(await Within(TimeSpan.FromSeconds(30), () => Akka.Cluster.Cluster.Get(seed.System).SelfMember.Status == MemberStatus.Up));

        // a modified node: its own start-up check skipped, it claims seed with a params-only certificate
        var impostor = cluster.StartNode("impostor", ["seed", "params"], grants: ["params"], checkClaims: false);

        Assert.True(await Within(TimeSpan.FromSeconds(60), () => impostor.WhenTerminated.IsCompleted), "the impostor still runs: " + string.Join(", ", Members(seed.System)));
        Assert.Contains(cluster.Log(seed.System), l => l.Contains($"downing {impostor.Address}", StringComparison.Ordinal) && l.Contains("claims the role(s) seed", StringComparison.Ordinal));
        Assert.True(await Within(TimeSpan.FromSeconds(30), () => !Members(seed.System).ContainsKey(impostor.Address)));
        Assert.False(seed.WhenTerminated.IsCompleted, "the seed stopped");
        var coordinator = await seed.System.ActorSelection($"/user/{ActorNames.Coordinator}/{ActorNames.Coordinator}").ResolveOne(TimeSpan.FromSeconds(10));
        // the singleton runs in the seed's own ActorSystem
        Assert.False(coordinator.Path.Address.HasGlobalScope);
        Assert.DoesNotContain(cluster.Log(impostor.System), l => l.Contains("Singleton manager starting singleton actor", StringComparison.Ordinal));
    }

    private static async Task<IReadOnlyList<AuditEntry>> AuditLog(Actors.Hosting.EdgeTrainNode node)
    {
        try
        {
            return (await node.Coordinator.Ask<AuditProtocol.AuditChunk>(new AuditProtocol.GetAuditLog(0, 200), TimeSpan.FromSeconds(5))).Entries;
        }
        catch (AskTimeoutException)
        {
            return [];
        }
    }

    private static string SerialOf(string certificatePem)
    {
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePem));
        return certificate.SerialNumber;
    }
}
