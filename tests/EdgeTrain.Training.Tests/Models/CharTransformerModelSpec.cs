using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Tests.Models;

/// <summary>The character-level GPT: its shapes, that it attends only backwards, how it starts, and that it learns.</summary>
public sealed class CharTransformerModelSpec
{
    private static readonly TransformerSpec Small = new(Layers: 2, Heads: 4, Width: 32, Context: 16);

    private static ModelSpec Spec(TransformerSpec t) => new(ModelKind.CharTransformer, [], [], 0) { Transformer = t };

    [Fact]
    public void Logits_are_one_distribution_over_the_bytes_per_position()
    {
        using var model = ModelFactory.Create(Spec(Small), seed: 1);
        using var tokens = Tokens("Fellow-Citizens ", "of the Senate an");

        using var logits = model.forward(tokens);

        Assert.Equal([2L, 16, 256], logits.shape);
    }

    [Fact]
    public void A_position_sees_only_itself_and_those_before_it()
    {
        using var model = ModelFactory.Create(Spec(Small), seed: 1);
        model.eval();
        using var first = Tokens("the union is str");
        using var second = Tokens("the union is wea");

        using var a = model.forward(first);
        using var b = model.forward(second);

        // the texts agree on their first 13 characters: so do the predictions there, and not after
        using var same = a.narrow(1, 0, 13) - b.narrow(1, 0, 13);
        Assert.True(same.abs().max().item<float>() < 1e-5f);
        using var different = a.narrow(1, 13, 3) - b.narrow(1, 13, 3);
        Assert.True(different.abs().max().item<float>() > 1e-4f);
    }

    [Fact]
    public void A_new_model_knows_nothing_and_starts_as_gpt_2_does()
    {
        var spec = Spec(Small);
        using var model = ModelFactory.Create(spec, seed: 4);
        using var tokens = Tokens("We the People of the United Stat");

        using var logits = model.forward(tokens.narrow(1, 0, 15));
        using var loss = nn.functional.cross_entropy(logits.reshape(-1, 256), tokens.narrow(1, 1, 15).reshape(-1));

        // about ln 256 (8 bits a character): the small initial weights predict nearly uniformly
        Assert.InRange(loss.item<float>(), Math.Log(256) - 0.3, Math.Log(256) + 0.3);
        var layout = ModelLayout.Of(spec);
        var values = layout.InitialValues(4);
        var norm = layout.Entries.Single(e => e.Name == "blocks.1.norm2.weight");
        Assert.All(values.AsSpan(norm.Offset, norm.Length).ToArray(), v => Assert.Equal(1f, v));
        var bias = layout.Entries.Single(e => e.Name == "blocks.0.mlpIn.bias");
        Assert.All(values.AsSpan(bias.Offset, bias.Length).ToArray(), v => Assert.Equal(0f, v));
        var embedding = layout.Entries.Single(e => e.Name == "tokenEmbedding.weight");
        var deviation = Math.Sqrt(values.AsSpan(embedding.Offset, embedding.Length).ToArray().Average(v => (double)v * v));
        Assert.InRange(deviation, 0.018, 0.022);
    }

    [Fact]
    public void It_learns_a_text_it_is_shown()
    {
        using var model = ModelFactory.Create(Spec(Small), seed: 2);
        using var optimizer = optim.AdamW(model.parameters(), 0.003);
        using var tokens = Tokens("abcabcabcabcabcab", "cabcabcabcabcabca");
        float first = 0, last = 0;
        for (var step = 0; step < 60; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var logits = model.forward(tokens.narrow(1, 0, 16));
            var loss = nn.functional.cross_entropy(logits.reshape(-1, 256), tokens.narrow(1, 1, 16).reshape(-1));
            loss.backward();
            optimizer.step();
            (first, last) = step == 0 ? (loss.item<float>(), 0) : (first, loss.item<float>());
        }

        Assert.True(last < first / 4, $"loss {first} → {last}");
    }

    [Fact]
    public void A_sequence_longer_than_the_context_or_sizes_that_make_no_model_are_refused()
    {
        using var model = ModelFactory.Create(Spec(Small), seed: 1);
        using var tokens = Tokens("0123456789abcdefg");

        Assert.Contains("longer than the context (16)", Assert.Throws<ArgumentException>(() => model.forward(tokens)).Message, StringComparison.Ordinal);
        Assert.Contains("multiple of heads", Assert.Throws<ArgumentException>(() => ModelLayout.Of(Spec(Small with { Width = 30 }))).Message, StringComparison.Ordinal);
        Assert.Equal(new FlatParameterView(model).TotalFloats, ModelLayout.Of(Spec(Small)).TotalFloats);
    }

    private static Tensor Tokens(params string[] texts) =>
        tensor(texts.SelectMany(t => System.Text.Encoding.UTF8.GetBytes(t).Select(b => (long)b)).ToArray(), [texts.Length, texts[0].Length]);
}
