using TorchSharp;

namespace EdgeTrain.Training;

/// <summary>
/// The one place that chooses where tensors live. <c>auto</c> (the default) takes CUDA when a CUDA
/// build of libtorch is installed and a GPU is present, else the CPU; <c>cpu</c>, <c>cuda</c> and
/// <c>cuda:N</c> force a device. The environment variable <c>EDGETRAIN_DEVICE</c> overrides the
/// preference given in code or configuration.
/// </summary>
public static class TorchDevice
{
    /// <summary>Name of the environment variable that overrides the device preference.</summary>
    public const string EnvironmentVariable = "EDGETRAIN_DEVICE";

    /// <summary>Resolves a device preference (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) to a device.</summary>
    /// <exception cref="ArgumentException">the preference is not one of those, or CUDA was asked for and is missing.</exception>
    public static torch.Device Select(string? preference = null)
    {
        var wanted = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : preference ?? "auto";
        wanted = wanted.Trim().ToLowerInvariant();
        if (wanted == "auto")
        {
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        }

        if (wanted == "cpu")
        {
            return torch.CPU;
        }

        if (wanted == "cuda" || wanted.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
            {
                throw new ArgumentException($"device '{wanted}' was asked for, but this libtorch build has no CUDA or no GPU is present");
            }

            return torch.device(wanted);
        }

        throw new ArgumentException($"device '{wanted}': expected auto, cpu, cuda or cuda:N");
    }
}
