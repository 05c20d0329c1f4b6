using EdgeTrain.Core;
using EdgeTrain.Training.Text;

namespace EdgeTrain.Training.Tests.Text;

public sealed class TextPartitionsSpec
{
    private static readonly TextDocument[] Corpus =
    [
        new(1790, "Washington", "Unaffiliated", new string('a', 100)),
        new(1801, "Jefferson", "Democratic-Republican", new string('b', 100)),
        new(1861, "Lincoln", "Republican", new string('c', 100)),
        new(1934, "Roosevelt", "Democratic", new string('d', 100)),
    ];

    [Fact]
    public void By_year_the_partitions_are_eras_and_by_party_whole_parties()
    {
        Assert.Equal([[0, 1], [2, 3]], TextPartitions.Of(Corpus, "year", 2));
        Assert.Equal([[0, 1], [2, 3]], TextPartitions.Of(Corpus, null, 2)); // year when the job names no field
        var parties = TextPartitions.Of(Corpus, "party", 4);
        Assert.Equal(4, parties.Length);
        Assert.Equal([0, 1, 2, 3], parties.SelectMany(p => p).Order());
    }

    [Fact]
    public void An_unknown_field_or_too_many_partitions_is_refused_naming_the_key()
    {
        var field = Assert.Throws<InvalidInputException>(() => TextPartitions.Of(Corpus, "author", 2));
        Assert.Contains("data.field", field.Message, StringComparison.Ordinal);
        Assert.Contains("author", field.Message, StringComparison.Ordinal);

        var many = Assert.Throws<InvalidInputException>(() => TextPartitions.Of(Corpus, "party", 5));
        Assert.Contains("5 partitions by party", many.Message, StringComparison.Ordinal);
    }
}
