using EdgeTrain.Core.Jobs;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;

namespace EdgeTrain.Training.Tests.Models;

public sealed class ModelLayoutSpec
{
    public static TheoryData<string> Specs => ["mlp:256", "mlp:64,32", "mlp:", "cnn:128", "cnn:64,32", "tf:1,2,16,8", "tf:3,4,32,12"];

    [Theory]
    [MemberData(nameof(Specs))]
    public void The_layout_is_the_built_modules_names_shapes_and_offsets(string text)
    {
        var spec = Parse(text);
        using var model = ModelFactory.Create(spec, seed: 3);
        var view = new FlatParameterView(model);

        var layout = ModelLayout.Of(spec);

        Assert.Equal(view.TotalFloats, layout.TotalFloats);
        Assert.Equal(view.Layout.Select(e => (e.Name, string.Join("x", e.Shape), e.Offset, e.Length)),
            layout.Entries.Select(e => (e.Name, string.Join("x", e.Shape), e.Offset, e.Length)));
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void The_initial_values_are_the_bits_the_factory_puts_into_the_module(string text)
    {
        var spec = Parse(text);
        using var model = ModelFactory.Create(spec, seed: 11);

        var values = ModelLayout.Of(spec).InitialValues(11);

        Assert.Equal(new FlatParameterView(model).ToArray(), values);
    }

    [Fact]
    public void Slices_cut_the_initial_values_in_order()
    {
        var layout = ModelLayout.Of(Parse("mlp:16"));
        var flat = layout.InitialValues(5);

        var slices = layout.InitialSlices(5, 4000);

        Assert.Equal(layout.SliceLengths(4000), slices.Select(s => s.Length));
        Assert.Equal(flat, slices.SelectMany(s => s));
        Assert.All(slices.SkipLast(1), s => Assert.Equal(4000, s.Length));
    }

    [Fact]
    public void A_model_that_cannot_be_built_is_refused_with_the_reason()
    {
        var zero = Assert.Throws<ArgumentException>(() => ModelLayout.Of(new ModelSpec(ModelKind.Mlp, [0], [], 0)));
        Assert.Contains("layers.fc1.weight", zero.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ModelLayout.Of(new ModelSpec(ModelKind.Cnn, [8], [4], 0)));
    }

    private static ModelSpec Parse(string text)
    {
        var (kind, widths) = (text.Split(':')[0], text.Split(':')[1]);
        int[] hidden = widths.Length == 0 ? [] : [.. widths.Split(',').Select(int.Parse)];
        return kind switch
        {
            "mlp" => new ModelSpec(ModelKind.Mlp, hidden, [], 0),
            // layers, heads, width, context
            "tf" => new ModelSpec(ModelKind.CharTransformer, [], [], 0) { Transformer = new TransformerSpec(hidden[0], hidden[1], hidden[2], hidden[3]) },
            _ => new ModelSpec(ModelKind.Cnn, hidden, [4, 6], 0.25),
        };
    }
}
