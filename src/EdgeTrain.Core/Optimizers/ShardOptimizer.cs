using System.Numerics.Tensors;

namespace EdgeTrain.Core.Optimizers;

/// <summary>
/// Applies an update direction to a parameter slice with the rules of PyTorch's
/// <c>torch.optim.SGD</c> (plain, or <c>momentum=μ, nesterov=True, dampening=0</c>) and
/// <c>torch.optim.Adam</c>, on spans and with SIMD (<see cref="TensorPrimitives"/>).
/// </summary>
public static class ShardOptimizer
{
    /// <summary>
    /// Moves <paramref name="parameters"/> against <paramref name="update"/> (a gradient-like
    /// direction) and advances <paramref name="state"/> by one step. Allocates nothing after the
    /// first call on a state.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// the lengths differ, the state is of another kind than the spec, or a hyper-parameter is out of range.
    /// </exception>
    public static void Apply(ShardOptimizerSpec spec, Span<float> parameters, ReadOnlySpan<float> update, ShardOptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(state);
        if (update.Length != parameters.Length)
        {
            throw new ArgumentException(
                $"the update has {update.Length} floats, the parameters {parameters.Length}", nameof(update));
        }

        if (state.Kind != spec.Kind)
        {
            throw new ArgumentException($"the state is for {state.Kind}, the spec asks for {spec.Kind}", nameof(state));
        }

        if (!float.IsFinite(spec.LearningRate) || !(spec.WeightDecay >= 0) || !float.IsFinite(spec.WeightDecay))
        {
            throw new ArgumentException(
                $"learning rate {spec.LearningRate} and weight decay {spec.WeightDecay} must be finite, weight decay 0 or more",
                nameof(spec));
        }

        switch (spec.Kind)
        {
            case ShardOptimizerKind.Sgd:
                Sgd(spec, parameters, update, state);
                break;
            case ShardOptimizerKind.Nesterov:
                RequireStateLength(state.First, parameters.Length);
                Nesterov(spec, parameters, update, state);
                break;
            case ShardOptimizerKind.Adam:
                RequireStateLength(state.First, parameters.Length);
                Adam(spec, parameters, update, state);
                break;
            default:
                throw new ArgumentException($"unknown optimizer kind {spec.Kind}", nameof(spec));
        }

        state.Steps++;
    }

    // p -= lr * (g + wd * p)
    private static void Sgd(ShardOptimizerSpec spec, Span<float> p, ReadOnlySpan<float> update, ShardOptimizerState state)
    {
        var g = WithWeightDecay(spec, p, update, state);
        TensorPrimitives.MultiplyAdd(g, -spec.LearningRate, p, p);
    }

    // g' = g + wd * p; buf = g' on the first step, else μ * buf + g'; p -= lr * (g' + μ * buf)
    private static void Nesterov(ShardOptimizerSpec spec, Span<float> p, ReadOnlySpan<float> update, ShardOptimizerState state)
    {
        if (!(spec.Momentum >= 0) || !(spec.Momentum < 1))
        {
            throw new ArgumentException($"Nesterov momentum {spec.Momentum} must be in [0, 1)", nameof(spec));
        }

        var g = WithWeightDecay(spec, p, update, state);
        var buf = state.First.AsSpan();
        if (state.Steps == 0)
        {
            g.CopyTo(buf);
        }
        else
        {
            TensorPrimitives.Multiply(buf, spec.Momentum, buf);
            TensorPrimitives.Add(buf, g, buf);
        }

        var step = state.Scratch(p.Length);
        TensorPrimitives.MultiplyAdd(buf, spec.Momentum, g, step);
        TensorPrimitives.MultiplyAdd(step, -spec.LearningRate, p, p);
    }

    // m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²; p -= lr / (1-β1^t) * m / (sqrt(v) / sqrt(1-β2^t) + eps)
    private static void Adam(ShardOptimizerSpec spec, Span<float> p, ReadOnlySpan<float> update, ShardOptimizerState state)
    {
        if (!(spec.Beta1 >= 0) || !(spec.Beta1 < 1) || !(spec.Beta2 >= 0) || !(spec.Beta2 < 1)
            || !(spec.Epsilon > 0) || !float.IsFinite(spec.Epsilon))
        {
            throw new ArgumentException(
                $"Adam betas ({spec.Beta1}, {spec.Beta2}) must be in [0, 1) and epsilon {spec.Epsilon} positive", nameof(spec));
        }

        // PyTorch keeps hyper-parameters as doubles (0.9, not 0.9f's 0.899999976); the decimal trip
        // recovers the decimal a user wrote, which matters for 1 - β2^t early on.
        var beta1 = AsWritten(spec.Beta1);
        var beta2 = AsWritten(spec.Beta2);
        var t = state.Steps + 1;
        var biasCorrection1 = 1 - Math.Pow(beta1, t);
        var biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, t));
        var stepSize = AsWritten(spec.LearningRate) / biasCorrection1;

        var g = WithWeightDecay(spec, p, update, state);
        var m = state.First.AsSpan();
        var v = state.Second.AsSpan();
        TensorPrimitives.Multiply(m, spec.Beta1, m);
        TensorPrimitives.MultiplyAdd(g, (float)(1 - beta1), m, m);

        var work = state.Scratch(p.Length);
        TensorPrimitives.Multiply(v, spec.Beta2, v);
        TensorPrimitives.Multiply(g, g, work); // g may be work itself: it is not read after this
        TensorPrimitives.MultiplyAdd(work, (float)(1 - beta2), v, v);

        TensorPrimitives.Sqrt(v, work);
        TensorPrimitives.Divide(work, (float)biasCorrection2Sqrt, work);
        TensorPrimitives.Add(work, spec.Epsilon, work);
        TensorPrimitives.Divide(m, work, work);
        TensorPrimitives.MultiplyAdd(work, (float)-stepSize, p, p);
    }

    /// <summary><c>update + wd * p</c> in the state's scratch buffer, or <paramref name="update"/> itself when wd is 0.</summary>
    private static ReadOnlySpan<float> WithWeightDecay(
        ShardOptimizerSpec spec, ReadOnlySpan<float> p, ReadOnlySpan<float> update, ShardOptimizerState state)
    {
        if (spec.WeightDecay == 0)
        {
            return update;
        }

        var g = state.Scratch(p.Length);
        TensorPrimitives.MultiplyAdd(p, spec.WeightDecay, update, g);
        return g;
    }

    private static void RequireStateLength(float[] buffer, int length)
    {
        if (buffer.Length != length)
        {
            throw new ArgumentException($"the state holds {buffer.Length} floats, the parameters {length}", "state");
        }
    }

    private static double AsWritten(float value) => Math.Abs(value) < 1e20f ? (double)(decimal)value : value;
}
