using Akka.Actor;
using Akka.Cluster.Sharding;
using EdgeTrain.Commands.Formatting;
using EdgeTrain.Commands.Parsing;

namespace EdgeTrain.Commands.Palettes;

/// <summary>
/// Petabridge.Cmd's <c>cluster-sharding</c> palette over Akka's own sharding queries: the entity
/// types, the entities per shard and region across the cluster (GetClusterShardingStats), and each
/// region's shards with their entity ids (GetShardRegionState).
/// </summary>
public static class ShardingPalette
{
    private static readonly SwitchSpec Region = new("-r", "--region", "TYPE", "the entity type name, e.g. parameter-shard", Required: true);

    /// <summary>The palette's commands.</summary>
    public static IEnumerable<PaletteCommand> Commands =>
    [
        new(new("cluster-sharding regions", "the sharded entity types, and whether this node hosts them or proxies to them", []), Regions),
        new(new("cluster-sharding region-stats", "entities per shard on every region of a type, with totals", [Region]), RegionStats),
        new(new("cluster-sharding fetch-shards", "every region of a type with its shards and their entity ids", [Region]), FetchShards),
    ];

    private static IReadOnlyList<string> TypeNames(CommandContext context) =>
        [.. new[] { context.Node.Settings.ShardTypeName, context.Node.Settings.AggregatorTypeName }
            .Concat(ClusterSharding.Get(context.System).ShardTypeNames)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    private static IActorRef RegionOf(CommandContext context, string typeName)
    {
        try
        {
            return ClusterSharding.Get(context.System).ShardRegion(typeName);
        }
        catch (ArgumentException)
        {
            throw new CommandFailedException($"no sharded entity type '{typeName}' on this node; 'cluster-sharding regions' lists them ({string.Join(", ", TypeNames(context))})");
        }
    }

    private static async Task<int> Regions(ParsedCommand command, CommandContext context)
    {
        var hosted = ClusterSharding.Get(context.System).ShardTypeNames;
        foreach (var name in TypeNames(context))
        {
            await context.Line($"{name} | {(hosted.Contains(name) ? "region on this node" : "proxy on this node")}").ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private static async Task<int> RegionStats(ParsedCommand command, CommandContext context)
    {
        var typeName = command.Value("--region")!;
        var region = RegionOf(context, typeName);
        var wait = context.Settings.AskTimeout;
        var answer = await context.Ask(region, new GetClusterShardingStats(wait), $"the {typeName} regions", wait + TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (answer is not ClusterShardingStats stats)
        {
            throw new CommandFailedException($"unexpected answer {answer.GetType().Name} from the {typeName} region");
        }

        foreach (var line in ShardingFormat.RegionStats(typeName, stats.Regions.ToDictionary(r => r.Key.ToString(), r => (IReadOnlyDictionary<string, int>)r.Value.Stats, StringComparer.Ordinal)))
        {
            await context.Line(line).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private static async Task<int> FetchShards(ParsedCommand command, CommandContext context)
    {
        var typeName = command.Value("--region")!;
        var region = RegionOf(context, typeName);
        if (await context.Ask(region, GetCurrentRegions.Instance, $"the {typeName} region").ConfigureAwait(false) is not CurrentRegions current)
        {
            throw new CommandFailedException($"unexpected answer from the {typeName} region");
        }

        var path = "/system/sharding/" + Uri.EscapeDataString(typeName);
        var states = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>(StringComparer.Ordinal);
        foreach (var address in current.Regions.OrderBy(a => a.ToString(), StringComparer.Ordinal))
        {
            var selection = context.System.ActorSelection(address + path);
            var answer = await selection.Ask<object>(GetShardRegionState.Instance, context.Settings.AskTimeout, context.Cancellation)
                .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default).ConfigureAwait(false);
            states[address.ToString()] = answer is CurrentShardRegionState state
                ? state.Shards.ToDictionary(s => s.ShardId, s => (IReadOnlyList<string>)[.. s.EntityIds.Order(StringComparer.Ordinal)], StringComparer.Ordinal)
                : new Dictionary<string, IReadOnlyList<string>>();
            if (answer is not CurrentShardRegionState)
            {
                await context.Error($"{address}: no answer from its {typeName} region").ConfigureAwait(false);
            }
        }

        foreach (var line in ShardingFormat.Shards(typeName, states))
        {
            await context.Line(line).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }
}
