using EdgeTrain.Core;
using EdgeTrain.Core.Data;

namespace EdgeTrain.Training.Text;

/// <summary>
/// A corpus's partitions for a job: by its <c>data.field</c> (<c>year</c> cuts it into eras of equal size, <c>party</c>
/// gives each partition whole parties), or with <c>partitioning = iid</c> shuffled documents of every era
/// (<see cref="TextPartitioner"/>). Each partition's document indices.
/// </summary>
public static class TextPartitions
{
    /// <summary>The field a job partitions by when it names none.</summary>
    public const string DefaultField = "year";

    /// <summary>
    /// The documents of each of <paramref name="parts"/> partitions of <paramref name="corpus"/> by <paramref name="field"/>, or
    /// with <paramref name="iid"/> shuffled by <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">an unknown field, or fewer documents (or parties) than partitions: the message says which.</exception>
    public static int[][] Of(IReadOnlyList<TextDocument> corpus, string? field, int parts, bool iid = false, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var sizes = corpus.Select(d => (long)d.Text.Length).ToArray();
        try
        {
            return iid ? TextPartitioner.Shuffled(sizes, parts, seed) : (field ?? DefaultField) switch
            {
                "year" => TextPartitioner.ByEra([.. corpus.Select(d => d.Year)], sizes, parts),
                "party" => TextPartitioner.ByKey([.. corpus.Select(d => d.Party)], sizes, parts),
                var other => throw new InvalidInputException("job", "data.field", $"expected year or party, found {other}"),
            };
        }
        catch (ArgumentException e)
        {
            throw new InvalidInputException("job", iid ? "data.partitioning" : "data.field", $"{parts} partitions {(iid ? "of shuffled documents" : "by " + (field ?? DefaultField))}: {e.Message}");
        }
    }
}
