using System.Globalization;

namespace EdgeTrain.Commands.Formatting;

/// <summary>Lines of the cluster-sharding palette.</summary>
public static class ShardingFormat
{
    /// <summary>
    /// <c>region-stats</c>: per region address its shards with their entity counts, then the totals
    /// (<c>Total: 7 entities in 5 shards on 3 regions</c>).
    /// </summary>
    public static IEnumerable<string> RegionStats(string typeName, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> regions)
    {
        ArgumentNullException.ThrowIfNull(regions);
        yield return $"Region stats for [{typeName}]";
        foreach (var (address, shards) in regions.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{address} | {shards.Values.Sum()} entities in {shards.Count} shards");
            foreach (var (shard, entities) in shards.OrderBy(s => ShardOrder(s.Key)).ThenBy(s => s.Key, StringComparer.Ordinal))
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"  shard {shard}: {entities} {(entities == 1 ? "entity" : "entities")}");
            }
        }

        var total = regions.Values.Sum(s => s.Values.Sum());
        var shardCount = regions.Values.Sum(s => s.Count);
        yield return string.Create(CultureInfo.InvariantCulture, $"Total: {total} entities in {shardCount} shards on {regions.Count} regions");
    }

    /// <summary><c>fetch-shards</c>: per region address its shards with their entity ids.</summary>
    public static IEnumerable<string> Shards(string typeName, IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> regions)
    {
        ArgumentNullException.ThrowIfNull(regions);
        yield return $"Shards of [{typeName}]";
        foreach (var (address, shards) in regions.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{address} | {shards.Count} shards");
            foreach (var (shard, entities) in shards.OrderBy(s => ShardOrder(s.Key)).ThenBy(s => s.Key, StringComparer.Ordinal))
            {
                yield return $"  shard {shard}: [{string.Join(", ", entities)}]";
            }
        }
    }

    // numeric shard ids in numeric order
    private static long ShardOrder(string shard) => long.TryParse(shard, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;
}
