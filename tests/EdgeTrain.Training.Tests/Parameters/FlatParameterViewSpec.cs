using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Parameters;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Tests.Parameters;

public sealed class FlatParameterViewSpec
{
    private static nn.Module<Tensor, Tensor> Mlp(int seed) => ModelFactory.Create(new ModelSpec(ModelKind.Mlp, [16, 8], [], 0), seed);

    [Fact]
    public void Layout_entries_are_contiguous_in_registration_order_with_their_shapes()
    {
        using var model = Mlp(1);

        var view = new FlatParameterView(model);

        Assert.Equal(["layers.fc1.weight", "layers.fc1.bias", "layers.fc2.weight", "layers.fc2.bias", "layers.out.weight", "layers.out.bias"],
            view.Layout.Select(l => l.Name));
        Assert.Equal([16L, 784L], view.Layout[0].Shape);
        var offset = 0;
        foreach (var entry in view.Layout)
        {
            Assert.Equal(offset, entry.Offset);
            Assert.Equal(entry.Shape.Aggregate(1L, (a, b) => a * b), entry.Length);
            offset += entry.Length;
        }

        Assert.Equal(offset, view.TotalFloats);
    }

    [Fact]
    public void The_flat_order_is_each_tensor_row_major()
    {
        using var model = Mlp(1);
        var view = new FlatParameterView(model);
        var flat = view.ToArray();
        var weight = model.named_parameters().First().parameter;

        // element [3, 5] of fc1.weight (16 × 784) sits at 3 * 784 + 5
        Assert.Equal(weight[3, 5].item<float>(), flat[(3 * 784) + 5]);
    }

    [Fact]
    public void Copying_parameters_into_another_model_makes_it_compute_the_same_function()
    {
        using var source = Mlp(1);
        using var target = Mlp(2);
        using var input = randn(4, 784);
        using var before = target.forward(input);
        using var expected = source.forward(input);

        new FlatParameterView(target).CopyFrom(new FlatParameterView(source).ToArray());
        using var after = target.forward(input);

        Assert.False(before.allclose(expected));
        Assert.True(after.allclose(expected, rtol: 0, atol: 0));
    }

    [Fact]
    public void Slices_written_back_one_by_one_restore_every_parameter_bitwise()
    {
        using var model = Mlp(3);
        var view = new FlatParameterView(model);
        var original = view.ToArray();
        var plan = new SlicePlan(view.TotalFloats, 1_000);
        var scratch = new float[view.TotalFloats];
        view.CopyFrom(scratch);
        Assert.All(view.ToArray(), v => Assert.Equal(0f, v));

        for (var i = 0; i < plan.Count; i++)
        {
            plan.CopyInto(scratch, i, plan.Of((ReadOnlySpan<float>)original, i));
        }

        view.CopyFrom(scratch);
        Assert.Equal(original, view.ToArray());
    }

    [Fact]
    public void A_vector_of_the_wrong_length_is_refused()
    {
        using var model = Mlp(1);
        var view = new FlatParameterView(model);

        var e = Assert.Throws<ArgumentException>(() => view.CopyFrom(new float[view.TotalFloats - 1]));

        Assert.Contains($"has {view.TotalFloats} parameters", e.Message, StringComparison.Ordinal);
    }
}
