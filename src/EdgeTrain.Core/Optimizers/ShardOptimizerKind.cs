namespace EdgeTrain.Core.Optimizers;

/// <summary>The update rules a parameter shard can apply to its slice.</summary>
public enum ShardOptimizerKind
{
    /// <summary>Plain SGD: <c>p -= lr * (g + wd * p)</c>; keeps no state.</summary>
    Sgd,

    /// <summary>PyTorch <c>SGD(momentum, nesterov=True, dampening=0)</c>; keeps a momentum buffer.</summary>
    Nesterov,

    /// <summary>PyTorch <c>Adam</c> (L2 weight decay added to the gradient, not AdamW); keeps m and v.</summary>
    Adam,
}
