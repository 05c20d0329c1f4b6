using EdgeTrain.Core.Data;
using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Core.Tests.Data;

public sealed class DataPartitionerSpec
{
    private static readonly byte[] Labels = Enumerable.Range(0, 1_000).Select(i => (byte)(i * 7 % 10)).ToArray();

    [Fact]
    public void Iid_partitions_are_disjoint_cover_everything_and_differ_in_size_by_at_most_one()
    {
        var parts = DataPartitioner.Partition(Labels, 10, 3, PartitioningKind.Iid, 0, seed: 5);

        Assert.Equal(3, parts.Length);
        Assert.Equal(Enumerable.Range(0, Labels.Length), parts.SelectMany(p => p).Order());
        Assert.True(parts.Max(p => p.Length) - parts.Min(p => p.Length) <= 1);
        // every partition sees (nearly) every class
        Assert.All(parts, p => Assert.Equal(10, p.Select(i => Labels[i]).Distinct().Count()));
    }

    [Fact]
    public void Non_iid_partitions_hold_only_their_labels()
    {
        var parts = DataPartitioner.Partition(Labels, 10, 5, PartitioningKind.NonIidLabel, 2, seed: 5);

        Assert.Equal(Enumerable.Range(0, Labels.Length), parts.SelectMany(p => p).Order());
        for (var p = 0; p < parts.Length; p++)
        {
            var held = parts[p].Select(i => (int)Labels[i]).Distinct().Order().ToArray();
            Assert.Equal([2 * p, (2 * p) + 1], held);
        }
    }

    [Fact]
    public void A_class_held_by_several_partitions_is_shared_evenly()
    {
        // 3 partitions × 4 labels = 12 > 10: classes 0 and 1 are held twice
        var parts = DataPartitioner.Partition(Labels, 10, 3, PartitioningKind.NonIidLabel, 4, seed: 1);

        var zeroCounts = parts.Select(p => p.Count(i => Labels[i] == 0)).Where(c => c > 0).ToArray();
        Assert.Equal(2, zeroCounts.Length);
        Assert.True(Math.Abs(zeroCounts[0] - zeroCounts[1]) <= 1);
        Assert.Equal(Labels.Length, parts.Sum(p => p.Length));
    }

    [Fact]
    public void The_same_seed_gives_the_same_partitions_and_another_seed_others()
    {
        var a = DataPartitioner.Partition(Labels, 10, 4, PartitioningKind.Iid, 0, seed: 9);
        var b = DataPartitioner.Partition(Labels, 10, 4, PartitioningKind.Iid, 0, seed: 9);
        var c = DataPartitioner.Partition(Labels, 10, 4, PartitioningKind.Iid, 0, seed: 10);

        Assert.Equal(a, b);
        Assert.NotEqual(a[0], c[0]);
    }

    [Fact]
    public void A_label_outside_the_classes_is_refused()
    {
        var bad = new byte[] { 0, 1, 12 };

        var e = Assert.Throws<ArgumentException>(() => DataPartitioner.Partition(bad, 10, 2, PartitioningKind.NonIidLabel, 5, 0));
        Assert.Contains("label 12 of sample 2", e.Message, StringComparison.Ordinal);
    }
}
