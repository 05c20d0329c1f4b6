using Akka.Actor;
using Akka.Cluster.Sharding;
using EdgeTrain.Actors;
using EdgeTrain.Commands.Formatting;
using EdgeTrain.Commands.Parsing;
using static EdgeTrain.Actors.Jobs.CheckpointProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.GuardProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Commands.Palettes;

/// <summary>
/// EdgeTrain's <c>node</c>, <c>shards</c> and <c>checkpoint</c> palettes: the registered nodes with
/// their slices, contributions, jobs and reputation, draining, quarantining and releasing a node and
/// revoking its certificate (with the token), where each slice of a job lives, and a job's checkpoints.
/// </summary>
public static class EdgeTrainPalettes
{

    /// <summary>The palettes' commands.</summary>
    public static IEnumerable<PaletteCommand> Commands =>
    [
        new(new("node list", "every registered node: address, region, roles, capabilities, slices hosted, last contribution, jobs, reputation, draining, quarantined", []), Nodes),
        new(new("node drain", "the node finishes the jobs it trains and the scheduler places no new trainer on it; it stays a member", [ClusterPalette.Address], Mutating: true), Drain, RecordedByCoordinator: true),
        new(new("node revoke", "revokes the certificate of the member at ADDRESS for good (the seed started with --ca signs it) and downs it; it cannot rejoin with that certificate", [ClusterPalette.Address, Reason], Mutating: true), Revoke, RecordedByCoordinator: true),
        new(new("node quarantine", "the node's trainers stop, it gets no work and the aggregators drop its contributions until 'node release'", [ClusterPalette.Address, Reason], Mutating: true), Quarantine, RecordedByCoordinator: true),
        new(new("node release", "a quarantined node may work again; its reputation starts from a clean slate", [ClusterPalette.Address], Mutating: true), Release, RecordedByCoordinator: true),
        new(new("shards list", "every parameter slice of a job: its node, version and last update", [JobPalette.Job]), Slices),
        new(new("checkpoint list", "a job's checkpoints: id, time, label, slice versions, size, CRC-32C", [JobPalette.Job]), Checkpoints),
    ];

    /// <summary>Why an operator quarantines a node or revokes its certificate (<c>-r</c>), for the log, the audit log and a revocation.</summary>
    public static readonly SwitchSpec Reason = new("-r", "--reason", "REASON", "why, for the coordinator's log, the audit log and a revocation");

    private static async Task<int> Nodes(ParsedCommand command, CommandContext context)
    {
        if (await context.Ask(context.Coordinator, GetNodeActivity.Instance, "the job coordinator").ConfigureAwait(false) is not NodeActivityList list)
        {
            throw new CommandFailedException("unexpected answer from the job coordinator");
        }

        // slices hosted: the parameter-shard entities each region holds now, whatever their job
        var wait = context.Settings.AskTimeout;
        var stats = await context.Ask(context.Node.Shards, new GetClusterShardingStats(wait), "the parameter shard regions", wait + TimeSpan.FromSeconds(2)).ConfigureAwait(false) as ClusterShardingStats;
        var slices = stats?.Regions.ToDictionary(r => r.Key.ToString(), r => r.Value.Stats.Values.Sum(), StringComparer.Ordinal) ?? [];
        var now = DateTime.UtcNow;
        foreach (var node in list.Nodes)
        {
            await context.Line(JobFormat.NodeLine(node, slices.GetValueOrDefault(node.Address), now)).ConfigureAwait(false);
        }

        await context.Line(ClusterFormat.Count(list.Nodes.Length)).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> Drain(ParsedCommand command, CommandContext context)
    {
        var address = ClusterAddresses.Parse(command.Value("--address")!).ToString();
        var answer = await context.Ask(context.Coordinator, new DrainNode(address, $"edgetrain-cmd ({context.Peer})"), "the job coordinator").ConfigureAwait(false);
        switch (answer)
        {
            case NodeDraining draining:
                foreach (var line in JobFormat.Draining(draining))
                {
                    await context.Line(line).ConfigureAwait(false);
                }

                return ExitCodes.Success;
            case NodeUnknown unknown:
                throw new CommandFailedException(unknown.Known.Length == 0
                    ? $"the coordinator knows no node at {unknown.Address}; no node has registered"
                    : $"the coordinator knows no node at {unknown.Address}; it knows {string.Join(", ", unknown.Known)} ('node list' shows them)");
            default:
                throw new CommandFailedException($"unexpected answer {answer.GetType().Name} from the job coordinator");
        }
    }

    private static async Task<int> Revoke(ParsedCommand command, CommandContext context)
    {
        var address = ClusterAddresses.Parse(command.Value("--address")!).ToString();
        IActorRef guard;
        try
        {
            guard = await context.System.ActorSelection("/user/" + ActorNames.MembershipGuard).ResolveOne(context.Settings.AskTimeout).ConfigureAwait(false);
        }
        catch (ActorNotFoundException)
        {
            throw new CommandFailedException("this node runs without TLS (--insecure): there are no certificates to revoke");
        }

        var reason = command.Value("--reason") is { Length: > 0 } given ? given : "revoked by an operator";
        var answer = await context.Ask(guard, new RevokeNode(address, reason, $"edgetrain-cmd ({context.Peer})"), "the membership guard").ConfigureAwait(false);
        switch (answer)
        {
            case NodeRevoked revoked:
                await context.Line(ClusterFormat.Revoked(revoked)).ConfigureAwait(false);
                return ExitCodes.Success;
            case RevocationRefused refused:
                throw new CommandFailedException($"not revoked: {refused.Why}");
            default:
                throw new CommandFailedException($"unexpected answer {answer.GetType().Name} from the membership guard");
        }
    }

    private static Task<int> Quarantine(ParsedCommand command, CommandContext context) =>
        QuarantineOrRelease(context, new QuarantineNode(ClusterAddresses.Parse(command.Value("--address")!).ToString(), command.Value("--reason"), $"edgetrain-cmd ({context.Peer})"));

    private static Task<int> Release(ParsedCommand command, CommandContext context) =>
        QuarantineOrRelease(context, new ReleaseNode(ClusterAddresses.Parse(command.Value("--address")!).ToString(), $"edgetrain-cmd ({context.Peer})"));

    private static async Task<int> QuarantineOrRelease(CommandContext context, object request)
    {
        var answer = await context.Ask(context.Coordinator, request, "the job coordinator").ConfigureAwait(false);
        switch (answer)
        {
            case NodeQuarantineChanged changed:
                await context.Line(changed.Message).ConfigureAwait(false);
                return ExitCodes.Success;
            case NodeCommandRefused refused:
                throw new CommandFailedException(refused.Reason);
            case NodeUnknown unknown:
                throw new CommandFailedException(unknown.Known.Length == 0
                    ? $"the coordinator knows no node at {unknown.Address}; no node has registered"
                    : $"the coordinator knows no node at {unknown.Address}; it knows {string.Join(", ", unknown.Known)} ('node list' shows them)");
            default:
                throw new CommandFailedException($"unexpected answer {answer.GetType().Name} from the job coordinator");
        }
    }

    private static async Task<int> Slices(ParsedCommand command, CommandContext context)
    {
        var jobId = command.Value("--job")!;
        var report = await context.Ask(context.Coordinator, new GetSliceHealth(jobId), "the job coordinator").ConfigureAwait(false) switch
        {
            SliceHealthReport r => r,
            JobUnknown => throw JobPalette.UnknownJob(jobId),
            var other => throw new CommandFailedException($"unexpected answer {other.GetType().Name} from the job coordinator"),
        };
        foreach (var slice in report.Slices)
        {
            await context.Line(JobFormat.SliceLine(slice, report.NowUtc)).ConfigureAwait(false);
        }

        await context.Line($"Count: {report.Slices.Length} slices").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> Checkpoints(ParsedCommand command, CommandContext context)
    {
        var jobId = command.Value("--job")!;
        var list = await context.Ask(context.Coordinator, new ListCheckpoints(jobId), "the job coordinator").ConfigureAwait(false) switch
        {
            CheckpointList l => l,
            CheckpointUnknown => throw JobPalette.UnknownJob(jobId),
            var other => throw new CommandFailedException($"unexpected answer {other.GetType().Name} from the job coordinator"),
        };
        foreach (var checkpoint in list.Checkpoints)
        {
            await context.Line(JobFormat.CheckpointLine(checkpoint)).ConfigureAwait(false);
        }

        await context.Line($"Count: {list.Checkpoints.Length} checkpoints").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
