using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Text;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// A language model job's validation text: the held-out tails of every document (the global split) and of each
/// partition's documents (an era's, a party's), the partitions as the trainers compute them.
/// </summary>
/// <param name="Global">The held-out text of every document.</param>
/// <param name="Partitions">Each partition's held-out text, by partition (empty: not known).</param>
internal sealed record HeldOutText(byte[] Global, IReadOnlyList<byte[]> Partitions)
{
    /// <summary>The held-out texts of <paramref name="spec"/>'s corpus in <paramref name="partitions"/> partitions (0: the global one only).</summary>
    public static HeldOutText Of(JobSpec spec, int partitions)
    {
        var corpus = TextCorpus.Load(spec.Data.Path);
        var global = TextSplit.Of(corpus, Enumerable.Range(0, corpus.Count)).HeldOut;
        if (partitions <= 0)
        {
            return new HeldOutText(global, []);
        }

        var parts = TextPartitions.Of(corpus, spec.Data.Field, partitions, spec.Data.Partitioning == PartitioningKind.Iid, spec.Seed);
        return new HeldOutText(global, [.. parts.Select(p => TextSplit.Of(corpus, p).HeldOut)]);
    }
}
