using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Gateway.Browser;

/// <summary>
/// What a trainer in a browser tab can train: an MLP on MNIST-shaped images (784 inputs, 10 classes), by plain
/// gradients (one local step), without split learning, differential privacy, secure aggregation or shared-data
/// work units. Pure.
/// </summary>
public static class BrowserJobs
{
    /// <summary>Inputs of an MNIST image.</summary>
    public const int Inputs = 784;

    /// <summary>Classes of MNIST.</summary>
    public const int Classes = 10;

    /// <summary>Why a browser cannot train <paramref name="spec"/>; null: it can.</summary>
    public static string? Refusal(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec switch
        {
            { Model.Kind: not ModelKind.Mlp } => $"a browser trains MLP jobs only, not {spec.Model.Kind}",
            { Data.Dataset: not DataSpec.Mnist } => $"a browser trains on MNIST-shaped images only, not {spec.Data.Dataset}",
            { Model.Split: not null } => "a browser does not take part in split learning",
            { Privacy: not null } => "a browser does not train with differential privacy or secure aggregation",
            { Redundancy: not null } => "a browser does not compute shared-data work units",
            { LocalSteps: > 1 } => $"a browser sends plain gradients (local-steps = 1), not {spec.LocalSteps} local steps",
            _ => null,
        };
    }

    /// <summary>The layer widths of the job's MLP: 784, its hidden widths, 10.</summary>
    public static int[] Layers(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return [Inputs, .. spec.Model.Hidden, Classes];
    }
}
