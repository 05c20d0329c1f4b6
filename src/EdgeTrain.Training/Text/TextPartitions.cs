using EdgeTrain.Core;
using EdgeTrain.Core.Data;

namespace EdgeTrain.Training.Text;

/// <summary>
/// A corpus's partitions by a job's <c>data.field</c>: <c>year</c> cuts it into eras of equal size, <c>party</c> gives
/// each partition whole parties (<see cref="TextPartitioner"/>). Each partition's document indices.
/// </summary>
public static class TextPartitions
{
    /// <summary>The field a job partitions by when it names none.</summary>
    public const string DefaultField = "year";

    /// <summary>The documents of each of <paramref name="parts"/> partitions of <paramref name="corpus"/> by <paramref name="field"/>.</summary>
    /// <exception cref="InvalidInputException">an unknown field, or fewer documents (or parties) than partitions: the message says which.</exception>
    public static int[][] Of(IReadOnlyList<TextDocument> corpus, string? field, int parts)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var sizes = corpus.Select(d => (long)d.Text.Length).ToArray();
        try
        {
            return (field ?? DefaultField) switch
            {
                "year" => TextPartitioner.ByEra([.. corpus.Select(d => d.Year)], sizes, parts),
                "party" => TextPartitioner.ByKey([.. corpus.Select(d => d.Party)], sizes, parts),
                var other => throw new InvalidInputException("job", "data.field", $"expected year or party, found {other}"),
            };
        }
        catch (ArgumentException e)
        {
            throw new InvalidInputException("job", "data.field", $"{parts} partitions by {field ?? DefaultField}: {e.Message}");
        }
    }
}
