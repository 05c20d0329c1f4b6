using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Core.Data;

/// <summary>
/// Splits the indices of a labelled training set into disjoint partitions, one per trainer, so
/// that each trainer's data stays on its node. Deterministic for a given seed.
/// </summary>
public static class DataPartitioner
{
    /// <summary>
    /// Partitions sample indices 0..labels.Length-1 into <paramref name="parts"/> disjoint sets.
    /// IID: a seeded shuffle dealt out round-robin (sizes differ by at most one).
    /// Non-IID by label: partition p holds classes p·k … p·k+k−1 (mod the class count), and the
    /// samples of each class are shared evenly among the partitions that hold it.
    /// </summary>
    /// <param name="labels">Class label of each sample, 0 to <paramref name="classes"/>−1.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="parts">Number of partitions, at least 1.</param>
    /// <param name="kind">Partitioning rule.</param>
    /// <param name="labelsPerPartition">Classes per partition for non-IID (k); ignored for IID.</param>
    /// <param name="seed">Shuffle seed.</param>
    /// <returns>For each partition, its sample indices in shuffled order.</returns>
    public static int[][] Partition(
        ReadOnlySpan<byte> labels, int classes, int parts, PartitioningKind kind, int labelsPerPartition, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        var random = new Random(seed);
        var result = new List<int>[parts];
        for (var p = 0; p < parts; p++)
        {
            result[p] = [];
        }

        if (kind == PartitioningKind.Iid)
        {
            var order = Shuffled(Enumerable.Range(0, labels.Length).ToArray(), random);
            for (var i = 0; i < order.Length; i++)
            {
                result[i % parts].Add(order[i]);
            }
        }
        else
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(labelsPerPartition);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(labelsPerPartition, classes);
            var holders = new List<int>[classes];
            for (var c = 0; c < classes; c++)
            {
                holders[c] = [];
            }

            for (var p = 0; p < parts; p++)
            {
                for (var j = 0; j < labelsPerPartition; j++)
                {
                    var c = ((p * labelsPerPartition) + j) % classes;
                    if (!holders[c].Contains(p))
                    {
                        holders[c].Add(p);
                    }
                }
            }

            var byClass = new List<int>[classes];
            for (var c = 0; c < classes; c++)
            {
                byClass[c] = [];
            }

            for (var i = 0; i < labels.Length; i++)
            {
                if (labels[i] >= classes)
                {
                    throw new ArgumentException($"label {labels[i]} of sample {i} is not below {classes}", nameof(labels));
                }

                byClass[labels[i]].Add(i);
            }

            for (var c = 0; c < classes; c++)
            {
                // classes that no partition holds (too few partitions) are left out
                if (holders[c].Count == 0)
                {
                    continue;
                }

                var members = Shuffled(byClass[c].ToArray(), random);
                for (var i = 0; i < members.Length; i++)
                {
                    result[holders[c][i % holders[c].Count]].Add(members[i]);
                }
            }
        }

        return result.Select(r => Shuffled(r.ToArray(), random)).ToArray();
    }

    private static int[] Shuffled(int[] items, Random random)
    {
        random.Shuffle(items);
        return items;
    }
}
