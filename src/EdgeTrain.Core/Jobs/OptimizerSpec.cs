namespace EdgeTrain.Core.Jobs;

/// <summary>The optimizers a job can use.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent, optionally with (Nesterov-free) momentum.</summary>
    Sgd,

    /// <summary>Adam (Kingma and Ba).</summary>
    Adam,

    /// <summary>
    /// AdamW (decoupled weight decay, Loshchilov and Hutter): DiLoCo's inner optimizer. It runs on
    /// the trainers only, so it needs <c>local-steps</c> &gt; 1.
    /// </summary>
    AdamW,
}

/// <summary>The optimizer a job uses and its hyper-parameters.</summary>
/// <param name="Kind">Optimizer family.</param>
/// <param name="LearningRate">Step size, greater than 0.</param>
/// <param name="Momentum">SGD momentum in [0, 1).</param>
/// <param name="WeightDecay">L2 weight decay, 0 or more.</param>
public sealed record OptimizerSpec(OptimizerKind Kind, double LearningRate, double Momentum, double WeightDecay);
