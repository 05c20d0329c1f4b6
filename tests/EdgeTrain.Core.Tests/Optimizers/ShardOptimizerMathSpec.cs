using EdgeTrain.Core.Optimizers;

namespace EdgeTrain.Core.Tests.Optimizers;

public sealed class ShardOptimizerMathSpec
{
    private const int Steps = 6;

    public static TheoryData<ShardOptimizerKind, int, float> Cases()
    {
        var data = new TheoryData<ShardOptimizerKind, int, float>();
        foreach (var kind in Enum.GetValues<ShardOptimizerKind>())
        {
            foreach (var length in new[] { 1, 7, 1_000, 262_144 })
            {
                data.Add(kind, length, 0f);
                data.Add(kind, length, 0.01f);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_rule_matches_the_scalar_reference_over_several_steps(ShardOptimizerKind kind, int length, float weightDecay)
    {
        var spec = new ShardOptimizerSpec(kind, kind == ShardOptimizerKind.Adam ? 0.01f : 0.05f, WeightDecay: weightDecay);
        var reference = new ReferenceOptimizer(kind, length, spec.LearningRate, 0.9, 0.9, 0.999, 1e-8, weightDecay);
        var random = new Random(length + (int)kind);
        var parameters = RandomVector(random, length, 1f);
        var expected = parameters.Select(v => (double)v).ToArray();
        var state = new ShardOptimizerState(kind, length);

        for (var step = 1; step <= Steps; step++)
        {
            var update = RandomVector(random, length, 0.5f);
            ShardOptimizer.Apply(spec, parameters, update, state);
            reference.Apply(expected, update);

            AssertClose(expected, parameters, $"{kind} step {step}");
            Assert.Equal(step, state.Steps);
        }
    }

    [Fact]
    public void A_state_restored_from_a_snapshot_continues_like_the_original()
    {
        var spec = new ShardOptimizerSpec(ShardOptimizerKind.Adam, 0.01f, WeightDecay: 0.1f);
        var random = new Random(5);
        var updates = Enumerable.Range(0, 4).Select(_ => RandomVector(random, 33, 1f)).ToArray();
        var straight = RandomVector(random, 33, 1f);
        var resumed = (float[])straight.Clone();
        var original = new ShardOptimizerState(ShardOptimizerKind.Adam, 33);
        var first = new ShardOptimizerState(ShardOptimizerKind.Adam, 33);

        foreach (var update in updates)
        {
            ShardOptimizer.Apply(spec, straight, update, original);
        }

        ShardOptimizer.Apply(spec, resumed, updates[0], first);
        ShardOptimizer.Apply(spec, resumed, updates[1], first);
        var restored = new ShardOptimizerState(ShardOptimizerKind.Adam, (float[])first.First.Clone(), (float[])first.Second.Clone(), first.Steps);
        ShardOptimizer.Apply(spec, resumed, updates[2], restored);
        ShardOptimizer.Apply(spec, resumed, updates[3], restored);

        Assert.Equal(straight, resumed);
        Assert.Equal(4, restored.Steps);
    }

    [Theory]
    [InlineData(ShardOptimizerKind.Sgd)]
    [InlineData(ShardOptimizerKind.Nesterov)]
    [InlineData(ShardOptimizerKind.Adam)]
    public void Steps_after_the_first_allocate_nothing(ShardOptimizerKind kind)
    {
        var spec = new ShardOptimizerSpec(kind, 0.01f, WeightDecay: 0.01f);
        var parameters = new float[4_099];
        var update = RandomVector(new Random(1), parameters.Length, 1f);
        var state = new ShardOptimizerState(kind, parameters.Length);
        ShardOptimizer.Apply(spec, parameters, update, state);

        var before = GC.GetAllocatedBytesForCurrentThread();
        ShardOptimizer.Apply(spec, parameters, update, state);
        ShardOptimizer.Apply(spec, parameters, update, state);

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    private static float[] RandomVector(Random random, int length, float scale)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = ((random.NextSingle() * 2) - 1) * scale;
        }

        return values;
    }

    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = 1e-6 + (1e-5 * Math.Abs(expected[i]));
            if (Math.Abs(expected[i] - actual[i]) > tolerance)
            {
                Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]}");
            }
        }
    }
}
