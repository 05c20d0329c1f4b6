using System.Collections.Concurrent;
using Akka.Actor;
using EdgeTrain.Commands.Hosting;
using EdgeTrain.Commands.Logging;
using EdgeTrain.Commands.Tests.Hosting;
using EdgeTrain.Core.Audit;
using static EdgeTrain.Actors.Jobs.AuditProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Commands.Tests.Palettes;

/// <summary>
/// <c>audit tail</c>, and the audit entry the host asks for before a mutating command that the coordinator
/// does not record itself, against a stand-in coordinator on a one-node cluster.
/// </summary>
public sealed class AuditPaletteSpec(OneNodeCluster cluster) : IClassFixture<OneNodeCluster>, IDisposable
{
    private const string Token = "s3cret";
    private static readonly DateTime T0 = new(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc);
    private readonly ConcurrentQueue<object> asked = new();
    private readonly AuditSigner key = AuditSigner.Create();
    private bool refuse;

    public void Dispose() => key.Dispose();

    private object? Answer(object message)
    {
        switch (message)
        {
            case GetAuditLog get:
                var first = AuditChain.Introduce(AuditHead.Genesis, T0, key, "coordinator akka.tcp://edgetrain@127.0.0.1:4053", null);
                var second = AuditChain.Next(new AuditHead(1, first.Hash), T0.AddSeconds(1), new AuditNote("edgetrain-cmd (ipv4:127.0.0.1:5000)", AuditActions.JobPause, "mnist-1", "was running"), key);
                return new AuditChunk(get.From <= 0 ? 11 : get.From, [first with { Sequence = 11 }, second with { Sequence = 12 }], 12, second.Hash);
            case AppendAudit:
                return refuse ? new AuditRefused("no") : new AuditRecorded(13, new string('c', 64));
            case SetJobPriority set:
                return new JobPrioritySet(set.JobId, set.Priority, "ok");
            default:
                return null;
        }
    }

    private async Task<(int Exit, List<string> Output, List<string> Error)> Run(string line, string? token = Token)
    {
        var settings = new CommandHostSettings("127.0.0.1", 0, Token, TimeSpan.FromSeconds(3), 10, "", "");
        var coordinator = cluster.Node.System.ActorOf(Props.Create(() => new FakeCoordinatorActor(asked, Answer)));
        try
        {
            var executor = new CommandExecutor(cluster.Node, settings, new LogRing(10), coordinator);
            var output = new List<string>();
            var error = new List<string>();
            var exit = await executor.ExecuteAsync(line.Split(' '), token, "ipv4:127.0.0.1:5000", text => Add(output, text), text => Add(error, text), CancellationToken.None);
            return (exit, output, error);
        }
        finally
        {
            cluster.Node.System.Stop(coordinator);
        }
    }

    private static Task Add(List<string> lines, string text)
    {
        lines.Add(text);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Audit_tail_asks_for_the_latest_entries_and_prints_one_line_each_with_the_head()
    {
        var (exit, output, _) = await Run("audit tail -n 2", token: null);

        Assert.Equal(0, exit);
        Assert.Contains(new GetAuditLog(0, 2), asked);
        Assert.Equal(3, output.Count);
        Assert.StartsWith("#11 | 2026-12-03 09:00:00Z | signer | ", output[0], StringComparison.Ordinal);
        Assert.Matches(@"^#12 \| 2026-12-03 09:00:01Z \| job\.pause \| mnist-1 \| edgetrain-cmd \(ipv4:127\.0\.0\.1:5000\) \| was running \| [0-9a-f]{8}…$", output[1]);
        Assert.Matches(@"^Count: 2 of 12 entries, head #12 [0-9a-f]{64}$", output[2]);
        Assert.Equal(2, (await Run("audit tail -n 0", token: null)).Exit);
    }

    [Fact]
    public async Task A_cluster_command_is_recorded_with_the_client_before_it_runs_and_a_job_command_is_left_to_the_coordinator()
    {
        var join = await Run("cluster join -a 127.0.0.1:1");
        var priority = await Run("job priority -j big-1 -p 2");

        Assert.Equal(1, join.Exit); // a member joins no other cluster: refused after it was recorded
        Assert.Contains(new AppendAudit("edgetrain-cmd (ipv4:127.0.0.1:5000)", "ops.cluster.join", cluster.Node.Address, "cluster join -a 127.0.0.1:1"), asked);
        Assert.Equal(0, priority.Exit);
        Assert.Single(asked.OfType<AppendAudit>());
        Assert.Empty(priority.Error);
    }

    [Fact]
    public async Task A_command_the_coordinator_does_not_record_still_runs_with_a_warning()
    {
        refuse = true;

        var (exit, output, error) = await Run("cluster down-unreachable");

        Assert.Equal(0, exit);
        Assert.Equal("No unreachable members", output.Single());
        Assert.Equal("edgetrain-cmd: warning: 'cluster down-unreachable' runs without an audit entry: no", error.Single());
    }

    [Fact]
    public async Task A_refused_token_records_nothing()
    {
        var (exit, _, _) = await Run("cluster down-unreachable", token: "guess");

        Assert.Equal(1, exit);
        Assert.Empty(asked.OfType<AppendAudit>());
    }
}
