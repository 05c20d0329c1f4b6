using System.Globalization;
using System.Text.RegularExpressions;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// Who becomes a member, with the real programs over mutual TLS: a node that enrolled with a token of the
/// seed's CA joins and <c>edgetrain-cmd cluster show</c> lists it; a node with a certificate of another CA,
/// one without TLS, and one without any certificate never become members; a revoked node is downed and
/// cannot join again with that certificate.
/// </summary>
public sealed class MutualTlsSpec : IDisposable
{
    private const string OpsToken = "tls-ops-token";
    private static readonly string CmdProgram = Path.Combine("cmd-client", "edgetrain-cmd");
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static Task<ProgramProcess> Cmd(params string[] args) =>
        ProgramProcess.RunAsync(CmdProgram, args, TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["EDGETRAIN_CMD_TOKEN"] = "" });

    // the members `cluster show` lists as up
    private static async Task<List<string>> MembersUpAsync(string endpoint)
    {
        using var show = await Cmd(endpoint, "cluster", "show");
        Assert.True(show.ExitCode == 0, show.Output + show.Error);
        return [.. show.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.Contains("| up |", StringComparison.Ordinal))
            .Select(l => l.Split(" | ")[0])];
    }

    // the node list's line of the node at address, once it contains what (the guard binds certificates within seconds)
    private static async Task<string> NodeLineOfAsync(string endpoint, string address, string what)
    {
        var deadline = DateTime.UtcNow + Start;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            using var list = await Cmd(endpoint, "node", "list");
            last = list.Output + list.Error;
            var line = list.Output.Split('\n').FirstOrDefault(l => l.StartsWith(address, StringComparison.Ordinal) && l.Contains(what, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Assert.Fail($"node list never showed '{what}' for {address}:\n{last}");
        return "";
    }

    [Fact]
    public async Task Only_a_node_enrolled_with_the_clusters_CA_becomes_a_member_and_a_revoked_one_cannot_join_again()
    {
        var caDir = temp.File("ca");
        using (CertificateAuthority.Init(caDir))
        {
        }

        var port = TestCluster.FreePort();
        var seedAddress = $"127.0.0.1:{Text(port)}";
        var cmdPort = TestCluster.FreePort();
        var endpoint = $"127.0.0.1:{Text(cmdPort)}";
        var enrollPort = TestCluster.FreePort();
        using var seed = ProgramProcess.Start("edgetrain", ["seed", "--port", Text(port), "--data-dir", temp.File("seed"), "--cmd-port", Text(cmdPort), "--ca", caDir, "--enroll-port", Text(enrollPort)],
            new Dictionary<string, string> { ["EDGETRAIN_CMD_TOKEN"] = OpsToken });
        await seed.WaitForOutputAsync("issued its own certificate", Start);
        await seed.WaitForOutputAsync("[member] up", Start);

        // enrolled with a token of the seed's CA: joins, and cluster show lists it
        string token;
        using (var ca = CertificateAuthority.Load(caDir))
        {
            token = ca.CreateToken(ttl: TimeSpan.FromMinutes(10)).Text;
        }

        using var member = ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.File("member"), "--cmd-port", "0", "--roles", "params", "--enroll-port", Text(enrollPort), "--enroll", token]);
        await member.WaitForOutputAsync("registered with the coordinator", Start);
        var memberAddress = Regex.Match(member.Output, @"edgetrain-node (\S+): region").Groups[1].Value;
        Assert.StartsWith("akka.ssl.tcp://", memberAddress, StringComparison.Ordinal);
        Assert.Contains(memberAddress, await MembersUpAsync(endpoint));

        // its reputation is kept by its certificate's node id, which the membership guard bound to its address
        var memberLine = await NodeLineOfAsync(endpoint, memberAddress, " of urn:edgetrain:node:");
        Assert.Matches(@"reputation 0\.50 of urn:edgetrain:node:node-[0-9a-f]+", memberLine);

        // no certificate at all: refuses to start, saying how to get one
        using (var bare = await ProgramProcess.RunAsync("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.File("bare"), "--cmd-port", "0", "--identity", temp.File("bare-identity")], Start))
        {
            Assert.True(bare.ExitCode == 2, $"exit {bare.ExitCode}\n{bare.Output}\n{bare.Error}");
            Assert.Contains("no node identity here", bare.Error, StringComparison.Ordinal);
        }

        // a certificate of another CA, and a node without TLS: they run, but never become members
        var foreignIdentity = new IdentityFolder(temp.File("foreign-identity"));
        using (var other = CertificateAuthority.Init(temp.File("other-ca"), "someone else's CA"))
        using (var certificate = other.IssueSelf(NodeIds.New(), [ClusterRoles.Params], TimeSpan.FromDays(1)))
        {
            foreignIdentity.Write(certificate, other.Certificate);
        }

        using var foreign = ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.File("foreign"), "--cmd-port", "0", "--roles", "params", "--identity", foreignIdentity.Path]);
        using var plain = ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.File("plain"), "--cmd-port", "0", "--roles", "params", "--insecure"]);
        await foreign.WaitForOutputAsync("edgetrain-node akka.ssl.tcp://", Start);
        await plain.WaitForOutputAsync("edgetrain-node akka.tcp://", Start);
        // long enough for several join attempts (the join retries every few seconds)
        await Task.Delay(TimeSpan.FromSeconds(20));
        var up = await MembersUpAsync(endpoint);
        Assert.Equal(2, up.Count); // the seed and the enrolled node
        Assert.Contains(memberAddress, up);
        Assert.DoesNotContain("registered with the coordinator", foreign.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("registered with the coordinator", plain.Output, StringComparison.Ordinal);
        foreign.Dispose();
        plain.Dispose();

        // revoked: downed, and it cannot join again with that certificate (the node keeps trying by itself)
        using (var revoke = await Cmd(endpoint, "node", "revoke", "-a", memberAddress, "-r", "stolen laptop", "--token", OpsToken))
        {
            Assert.True(revoke.ExitCode == 0, revoke.Output + revoke.Error);
            Assert.Contains("Revoked certificate", revoke.Output, StringComparison.Ordinal);
        }

        await member.WaitForOutputAsync("joining again in", Start);
        await Task.Delay(TimeSpan.FromSeconds(20));
        Assert.Single(await MembersUpAsync(endpoint));
        Assert.Single(Regex.Matches(member.Output, "registered with the coordinator"));
        using (var tail = await Cmd(endpoint, "audit", "tail", "-n", "50"))
        {
            Assert.Contains("node.revoke", tail.Output, StringComparison.Ordinal);
            Assert.Contains("node.enrol", tail.Output, StringComparison.Ordinal);
        }
    }
}
