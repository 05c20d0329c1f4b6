using EdgeTrain.Core.Optimizers;

namespace EdgeTrain.Core.Tests.Optimizers;

public sealed class ShardOptimizerStateSpec
{
    [Fact]
    public void A_fresh_state_holds_the_buffers_its_kind_needs()
    {
        var sgd = new ShardOptimizerState(ShardOptimizerKind.Sgd, 10);
        var nesterov = new ShardOptimizerState(ShardOptimizerKind.Nesterov, 10);
        var adam = new ShardOptimizerState(ShardOptimizerKind.Adam, 10);

        Assert.Equal((0, 0), (sgd.First.Length, sgd.Second.Length));
        Assert.Equal((10, 0), (nesterov.First.Length, nesterov.Second.Length));
        Assert.Equal((10, 10), (adam.First.Length, adam.Second.Length));
        Assert.All([sgd, nesterov, adam], s => Assert.Equal(0, s.Steps));
        Assert.Equal(ShardOptimizerKind.Nesterov, nesterov.Kind);
    }

    [Fact]
    public void A_snapshot_whose_arrays_do_not_fit_its_kind_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new ShardOptimizerState(ShardOptimizerKind.Sgd, new float[3], [], 1));
        Assert.Throws<ArgumentException>(() => new ShardOptimizerState(ShardOptimizerKind.Nesterov, new float[3], new float[3], 1));
        Assert.Throws<ArgumentException>(() => new ShardOptimizerState(ShardOptimizerKind.Adam, new float[3], new float[2], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardOptimizerState(ShardOptimizerKind.Adam, new float[3], new float[3], -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardOptimizerState(ShardOptimizerKind.Adam, -1));
    }

    [Fact]
    public void A_snapshot_keeps_its_arrays_and_step_count()
    {
        float[] m = [1, 2];
        float[] v = [3, 4];

        var state = new ShardOptimizerState(ShardOptimizerKind.Adam, m, v, 7);

        Assert.Same(m, state.First);
        Assert.Same(v, state.Second);
        Assert.Equal(7, state.Steps);
    }

    [Fact]
    public void Apply_refuses_mismatched_lengths()
    {
        var spec = new ShardOptimizerSpec(ShardOptimizerKind.Adam, 0.01f);

        var e = Assert.Throws<ArgumentException>(
            () => ShardOptimizer.Apply(spec, new float[4], new float[5], new ShardOptimizerState(ShardOptimizerKind.Adam, 4)));
        Assert.Contains("5 floats", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(
            () => ShardOptimizer.Apply(spec, new float[4], new float[4], new ShardOptimizerState(ShardOptimizerKind.Adam, 5)));
        Assert.Throws<ArgumentException>(
            () => ShardOptimizer.Apply(spec with { Kind = ShardOptimizerKind.Nesterov }, new float[4], new float[4], new ShardOptimizerState(ShardOptimizerKind.Nesterov, 3)));
    }

    [Fact]
    public void Apply_refuses_a_state_of_another_kind_and_leaves_everything_unchanged()
    {
        var spec = new ShardOptimizerSpec(ShardOptimizerKind.Adam, 0.01f);
        float[] parameters = [1, 2, 3];
        var state = new ShardOptimizerState(ShardOptimizerKind.Nesterov, 3);

        var e = Assert.Throws<ArgumentException>(() => ShardOptimizer.Apply(spec, parameters, new float[] { 1, 1, 1 }, state));

        Assert.Contains("Nesterov", e.Message, StringComparison.Ordinal);
        Assert.Contains("Adam", e.Message, StringComparison.Ordinal);
        Assert.Equal([1f, 2f, 3f], parameters);
        Assert.Equal(0, state.Steps);
    }

    [Fact]
    public void Apply_refuses_hyper_parameters_out_of_range()
    {
        var parameters = new float[2];
        var update = new float[2];

        Assert.Throws<ArgumentException>(() => ShardOptimizer.Apply(
            new ShardOptimizerSpec(ShardOptimizerKind.Sgd, float.NaN), parameters, update, new ShardOptimizerState(ShardOptimizerKind.Sgd, 2)));
        Assert.Throws<ArgumentException>(() => ShardOptimizer.Apply(
            new ShardOptimizerSpec(ShardOptimizerKind.Nesterov, 0.1f, Momentum: 1f), parameters, update, new ShardOptimizerState(ShardOptimizerKind.Nesterov, 2)));
        Assert.Throws<ArgumentException>(() => ShardOptimizer.Apply(
            new ShardOptimizerSpec(ShardOptimizerKind.Adam, 0.1f, Epsilon: 0f), parameters, update, new ShardOptimizerState(ShardOptimizerKind.Adam, 2)));
    }
}
