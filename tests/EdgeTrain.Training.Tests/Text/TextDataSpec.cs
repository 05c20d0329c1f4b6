using System.IO.Compression;
using System.Text;
using EdgeTrain.Core;
using EdgeTrain.Core.Data;
using EdgeTrain.Tests;
using EdgeTrain.Training.Text;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Tests.Text;

/// <summary>The language model's data: the corpus as shipped, held-out tails, random windows, bits per character and sampling.</summary>
public sealed class TextDataSpec : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void The_shipped_corpus_is_the_233_state_of_the_union_addresses()
    {
        var corpus = TextCorpus.Load(RepoPaths.Of("samples", "data", "sotu"));

        Assert.Equal(233, corpus.Count);
        Assert.Equal((1790, "George Washington", "none"), (corpus[0].Year, corpus[0].Name, corpus[0].Party));
        Assert.StartsWith("Fellow-Citizens of the Senate", corpus[0].Text, StringComparison.Ordinal);
        var eras = TextPartitioner.ByEra([.. corpus.Select(d => d.Year)], [.. corpus.Select(d => (long)d.Text.Length)], 3);
        Assert.All(eras, e => Assert.InRange(e.Sum(i => (long)corpus[i].Text.Length), 3_000_000, 4_400_000));
    }

    [Fact]
    public void A_malformed_line_names_its_file_line_and_field()
    {
        var file = temp.File("bad.jsonl.gz");
        using (var gz = new GZipStream(File.Create(file), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes("{\"year\": 1790, \"name\": \"a\", \"party\": \"none\", \"text\": \"x\"}\n{\"year\": \"MDCCXC\", \"name\": \"b\", \"party\": \"none\", \"text\": \"y\"}\n"));
        }

        var refused = Assert.Throws<InvalidInputException>(() => TextCorpus.Load(temp.Path));

        Assert.Contains("bad.jsonl.gz:2", refused.Message, StringComparison.Ordinal);
        Assert.Contains("year", refused.Message, StringComparison.Ordinal);
        Assert.Contains("no *.jsonl", Assert.Throws<InvalidInputException>(() => TextCorpus.Load(temp.File("none"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_last_twentieth_of_every_document_is_held_out()
    {
        TextDocument[] documents = [new(1, "a", "p", new string('a', 100)), new(2, "b", "p", new string('b', 40) + "é")];

        var split = TextSplit.Of(documents, [0, 1]);

        Assert.Equal(new string('a', 95) + "\n\n" + new string('b', 39), Encoding.UTF8.GetString(split.Training));
        Assert.Equal("aaaaa\n\nbé", Encoding.UTF8.GetString(split.HeldOut));
        Assert.Equal(9, TextSplit.Characters(split.HeldOut)); // é is two bytes, one character
    }

    [Fact]
    public void Batches_are_windows_of_the_text_and_their_next_bytes()
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 200).Select(i => (char)('a' + (i % 26)))));
        using var batches = new TextBatches(text, context: 8, batchSize: 5, seed: 3, CPU);

        var (inputs, targets) = batches.Next();
        using (inputs)
        using (targets)
        {
            Assert.Equal([5L, 8], inputs.shape);
            var x = inputs.data<long>().ToArray();
            var y = targets.data<long>().ToArray();
            for (var row = 0; row < 5; row++)
            {
                // a window of the alphabet: each target is the input's next letter
                for (var t = 0; t < 8; t++)
                {
                    Assert.Equal('a' + ((x[(row * 8) + t] - 'a' + 1) % 26), y[(row * 8) + t]);
                }
            }
        }

        Assert.Throws<ArgumentException>(() => new TextBatches(text[..9], 8, 5, 3, CPU));
    }

    [Fact]
    public void A_model_that_knows_nothing_scores_eight_bits_a_byte_and_more_a_multi_byte_character()
    {
        using var uniform = new ConstantLogits(-1);
        var ascii = Encoding.UTF8.GetBytes(new string('x', 500));
        var accented = Encoding.UTF8.GetBytes(new string('é', 500));

        Assert.Equal(8.0, TextEvaluator.BitsPerCharacter(uniform, ascii, 16, CPU), 4);
        Assert.Equal(16.0, TextEvaluator.BitsPerCharacter(uniform, accented, 16, CPU), 1);
        Assert.True(double.IsNaN(TextEvaluator.BitsPerCharacter(uniform, ascii[..10], 16, CPU)));
    }

    [Fact]
    public void A_model_sure_of_the_next_byte_is_scored_near_zero_and_generates_it()
    {
        using var sure = new ConstantLogits('z');

        Assert.True(TextEvaluator.BitsPerCharacter(sure, Encoding.UTF8.GetBytes(new string('z', 300)), 16, CPU) < 1e-3);
        Assert.Equal("zzzzz", TextGenerator.Continue(sure, "The ", 5, 16, temperature: 1.0, seed: 1, CPU));
    }

    // logits [batch, time, 256]: all equal, or one byte far above the rest
    private sealed class ConstantLogits(int favourite) : nn.Module<Tensor, Tensor>(nameof(ConstantLogits))
    {
        public override Tensor forward(Tensor input)
        {
            var logits = zeros(input.shape[0], input.shape[1], 256);
            if (favourite >= 0)
            {
                logits[.., .., favourite] = 100f;
            }

            return logits;
        }
    }
}
