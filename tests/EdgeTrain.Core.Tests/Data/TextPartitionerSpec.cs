using EdgeTrain.Core.Data;

namespace EdgeTrain.Core.Tests.Data;

public sealed class TextPartitionerSpec
{
    [Fact]
    public void Eras_are_consecutive_years_of_about_equal_size_and_keep_a_year_together()
    {
        int[] years = [1800, 1790, 1790, 1810, 1820, 1830, 1805, 1840];
        long[] sizes = [10, 10, 10, 10, 10, 10, 10, 10];

        var eras = TextPartitioner.ByEra(years, sizes, 3);

        Assert.Equal(3, eras.Length);
        Assert.Equal(Enumerable.Range(0, 8), eras.SelectMany(e => e).Order());
        // oldest first, every era after the one before
        Assert.All(eras.Zip(eras.Skip(1)), pair => Assert.True(pair.First.Max(i => years[i]) <= pair.Second.Min(i => years[i])));
        Assert.Equal([1, 2, 0], eras[0]); // 1790, 1790, 1800: both 1790 speeches together
        Assert.All(eras, e => Assert.InRange(e.Sum(i => sizes[i]), 20, 30));
    }

    [Fact]
    public void Every_era_gets_a_document_however_uneven_the_sizes()
    {
        int[] years = [1, 2, 3, 4];
        long[] sizes = [1000, 1, 1, 1];

        var eras = TextPartitioner.ByEra(years, sizes, 4);

        Assert.Equal([[0], [1], [2], [3]], eras);
        Assert.Throws<ArgumentException>(() => TextPartitioner.ByEra(years, sizes, 5));
    }

    [Fact]
    public void Parties_go_whole_to_the_partition_with_the_fewest_characters()
    {
        string[] parties = ["R", "D", "R", "W", "D", "F"];
        long[] sizes = [50, 40, 50, 20, 40, 5];

        var byParty = TextPartitioner.ByKey(parties, sizes, 2);

        Assert.Equal([0, 2, 5], byParty[0]); // R: 100, then F (100 against 100: the lower index)
        Assert.Equal([1, 3, 4], byParty[1]); // D: 80, then W
        Assert.Throws<ArgumentException>(() => TextPartitioner.ByKey(parties, sizes, 5));
    }

    [Theory]
    [InlineData(100, 0.05, 95)]
    [InlineData(10, 0.05, 9)]
    [InlineData(2, 0.05, 1)]
    [InlineData(1, 0.05, 1)]
    public void The_last_part_of_every_document_is_held_out(int length, double fraction, int training) =>
        Assert.Equal(training, TextPartitioner.TrainingLength(length, fraction));
}
