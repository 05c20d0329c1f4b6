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
    public void Iid_partitions_are_shuffled_documents_of_about_equal_size_the_same_for_a_seed()
    {
        var corpus = Enumerable.Range(0, 30).Select(i => new TextDocument(1790 + i, "p", i < 15 ? "A" : "B", new string('x', 100 + i))).ToArray();

        var parts = TextPartitions.Of(corpus, null, 3, iid: true, seed: 4);

        Assert.Equal(Enumerable.Range(0, 30), parts.SelectMany(p => p).Order());
        Assert.All(parts, p => Assert.InRange(p.Sum(i => corpus[i].Text.Length), 1_000, 1_200));
        Assert.All(parts, p => Assert.True(p.Max() - p.Min() > 10, "each partition spans the years")); // not eras
        Assert.Equal(parts, TextPartitions.Of(corpus, null, 3, iid: true, seed: 4));
        Assert.NotEqual(parts, TextPartitions.Of(corpus, null, 3, iid: true, seed: 5));
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
