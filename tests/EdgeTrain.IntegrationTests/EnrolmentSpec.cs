using System.Globalization;
using System.Text.RegularExpressions;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.IntegrationTests;

/// <summary>
/// Enrolment with the real programs: <c>edgetrain ca init</c>, <c>edgetrain token create</c>, a seed with
/// <c>--ca</c>, and <c>edgetrain-node --enroll-file</c> that writes its identity folder; the seed's audit log
/// has the enrolment.
/// </summary>
public sealed class EnrolmentSpec : IDisposable
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_node_enrols_with_a_token_from_the_seeds_CA_writes_its_identity_and_the_audit_log_has_the_enrolment()
    {
        var caDir = temp.File("ca");
        using (var init = await ProgramProcess.RunAsync("edgetrain", ["ca", "init", "--dir", caDir], Start))
        {
            Assert.True(init.ExitCode == 0, init.Output + init.Error);
        }

        string tokenText;
        using (var create = await ProgramProcess.RunAsync("edgetrain", ["token", "create", "--ca", caDir, "--roles", "params,trainer"], Start))
        {
            Assert.True(create.ExitCode == 0, create.Output + create.Error);
            tokenText = create.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        }

        var token = JoinToken.Parse(tokenText);
        var port = TestCluster.FreePort();
        var enrollPort = TestCluster.FreePort();
        var seedAddress = $"127.0.0.1:{Text(port)}";
        using var seed = ProgramProcess.Start("edgetrain", ["seed", "--port", Text(port), "--data-dir", temp.File("seed"), "--cmd-port", "0", "--ca", caDir, "--enroll-port", Text(enrollPort)]);
        await seed.WaitForOutputAsync("enrolment on https://0.0.0.0:" + Text(enrollPort), Start);
        // the coordinator records the enrolment: the seed is a member first
        await seed.WaitForOutputAsync("[member] up", Start);

        // a token that is not one: exit code 2, nothing written
        var badDir = temp.File("bad-node");
        using (var bad = await ProgramProcess.RunAsync("edgetrain-node", ["--seed", seedAddress, "--data-dir", badDir, "--cmd-port", "0", "--enroll", "et1.not-a-token"], Start))
        {
            Assert.True(bad.ExitCode == 2, $"exit {bad.ExitCode}\n{bad.Output}\n{bad.Error}");
            Assert.Contains("join token: format:", bad.Error, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(badDir, IdentityFolder.FolderName)));
        }

        // the token from a file (off the command line), with a line break as a copy leaves it
        var nodeDir = temp.File("node");
        var tokenFile = temp.File("token.txt");
        await File.WriteAllTextAsync(tokenFile, tokenText + "\n");
        using var node = ProgramProcess.Start("edgetrain-node", ["--seed", seedAddress, "--data-dir", nodeDir, "--cmd-port", "0", "--enroll-port", Text(enrollPort), "--enroll-file", tokenFile]);
        await node.WaitForOutputAsync("enrolled as", Start);
        var nodeId = Regex.Match(node.Output, @"enrolled as (\S+) ").Groups[1].Value;

        var folder = IdentityFolder.InDataDirectory(nodeDir);
        Assert.True(folder.Exists);
        using (var identity = folder.Read())
        {
            Assert.Equal(nodeId, identity.NodeId);
            Assert.Equal([ClusterRoles.Params, ClusterRoles.Trainer], identity.Roles.Order());
            Assert.Equal(token.CaPin, CaPin.Of(identity.Ca));
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(folder.KeyPath));
        }

        // it goes on to start as a node
        await node.WaitForOutputAsync("registered with the coordinator", Start);

        var exported = temp.File("audit.jsonl");
        using (var export = await ProgramProcess.RunAsync("edgetrain", ["audit", "export", "--seed", seedAddress, "--ca", caDir, "--out", exported], Start))
        {
            Assert.True(export.ExitCode == 0, export.Output + export.Error);
        }

        var lines = File.ReadAllLines(exported);
        var enrol = Assert.Single(lines, l => l.Contains("\"node.enrol\"", StringComparison.Ordinal));
        Assert.Contains(nodeId, enrol, StringComparison.Ordinal);
        Assert.Contains($"token {token.Id}", enrol, StringComparison.Ordinal);
        Assert.DoesNotContain(tokenText, File.ReadAllText(exported), StringComparison.Ordinal);
        Assert.Contains($"enrol: {nodeId} from 127.0.0.1:", seed.Output, StringComparison.Ordinal);

        // the token is used up: a second node is refused with exit code 2
        using var again = await ProgramProcess.RunAsync("edgetrain-node", ["--seed", seedAddress, "--data-dir", temp.File("node-2"), "--cmd-port", "0", "--enroll-port", Text(enrollPort), "--enroll", tokenText], Start);
        Assert.True(again.ExitCode == 2, $"exit {again.ExitCode}\n{again.Output}\n{again.Error}");
        Assert.Contains("refused: used token", again.Error, StringComparison.Ordinal);
    }
}
