namespace EdgeTrain.Core.Optimizers;

/// <summary>The update rule a parameter shard applies and its hyper-parameters.</summary>
/// <param name="Kind">Update rule.</param>
/// <param name="LearningRate">Step size, finite.</param>
/// <param name="Momentum">Nesterov momentum μ in [0, 1); only <see cref="ShardOptimizerKind.Nesterov"/> reads it.</param>
/// <param name="Beta1">Adam decay of the first moment in [0, 1).</param>
/// <param name="Beta2">Adam decay of the second moment in [0, 1).</param>
/// <param name="Epsilon">Adam term added to the denominator, greater than 0.</param>
/// <param name="WeightDecay">L2 weight decay added to the gradient (<c>g + wd * p</c>), 0 or more.</param>
public sealed record ShardOptimizerSpec(
    ShardOptimizerKind Kind,
    float LearningRate,
    float Momentum = 0.9f,
    float Beta1 = 0.9f,
    float Beta2 = 0.999f,
    float Epsilon = 1e-8f,
    float WeightDecay = 0f);
