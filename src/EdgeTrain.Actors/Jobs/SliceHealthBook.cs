using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// The slice monitor's record of one job: its slices' home nodes, versions and the times they last
/// answered and last moved, and the configuration its regions' aggregators are told again on every
/// check. Plain state, changed by the monitor only.
/// </summary>
public sealed class SliceHealthBook
{
    /// <summary>A job with <paramref name="slices"/> slices, none heard from yet.</summary>
    public SliceHealthBook(int slices, IReadOnlyList<ConfigureAggregator> aggregators)
    {
        Slices = [.. Enumerable.Range(0, slices).Select(i => new SliceHealth(i, null, -1, DateTime.MinValue))];
        Aggregators = aggregators;
    }

    /// <summary>Each slice's home node, version and last answer.</summary>
    public SliceHealth[] Slices { get; }

    /// <summary>What each region's aggregator of the job is told.</summary>
    public IReadOnlyList<ConfigureAggregator> Aggregators { get; set; }

    /// <summary>Slices hosted per node address, as the last sharding statistics told.</summary>
    public IReadOnlyDictionary<string, int> SlicesPerNode { get; private set; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>Slice <paramref name="slice"/> answered at <paramref name="version"/>; its update time moves only with its version.</summary>
    public void Answered(int slice, long version, DateTime nowUtc)
    {
        if (slice < 0 || slice >= Slices.Length)
        {
            return;
        }

        var known = Slices[slice];
        Slices[slice] = known with
        {
            Version = version,
            LastAnsweredUtc = nowUtc,
            LastUpdatedUtc = version != known.Version ? nowUtc : known.LastUpdatedUtc,
        };
    }

    /// <summary>
    /// Records where each slice lives from the owner of each shard (<paramref name="shardOf"/> maps a
    /// slice to its shard id); returns true when the count of slices per node changed.
    /// </summary>
    public bool Homed(IReadOnlyDictionary<string, string> ownerOfShard, Func<int, string> shardOf)
    {
        ArgumentNullException.ThrowIfNull(ownerOfShard);
        ArgumentNullException.ThrowIfNull(shardOf);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Slices.Length; i++)
        {
            if (ownerOfShard.TryGetValue(shardOf(i), out var address))
            {
                counts[address] = counts.GetValueOrDefault(address) + 1;
                Slices[i] = Slices[i] with { Node = address };
            }
        }

        var changed = counts.Count != SlicesPerNode.Count || counts.Any(c => SlicesPerNode.GetValueOrDefault(c.Key) != c.Value);
        SlicesPerNode = counts;
        return changed;
    }
}
