using EdgeTrain.Core.Jobs;
using static TorchSharp.torch;

namespace EdgeTrain.Training;

/// <summary>Builds the TorchSharp optimizer a job's <see cref="OptimizerSpec"/> describes.</summary>
public static class OptimizerFactory
{
    /// <summary>Creates the optimizer over <paramref name="module"/>'s parameters.</summary>
    public static optim.Optimizer Create(OptimizerSpec spec, nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(module);
        return spec.Kind switch
        {
            OptimizerKind.Sgd => optim.SGD(module.parameters(), spec.LearningRate, spec.Momentum, weight_decay: spec.WeightDecay),
            OptimizerKind.Adam => optim.Adam(module.parameters(), spec.LearningRate, weight_decay: spec.WeightDecay),
            OptimizerKind.AdamW => optim.AdamW(module.parameters(), spec.LearningRate, weight_decay: spec.WeightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "unknown optimizer kind"),
        };
    }
}
