using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeTrain.Core.Membership;
using TorchSharp;

namespace EdgeTrain.Training.Capabilities;

/// <summary>
/// Measures what this node can do (<see cref="NodeCapabilities"/>) once at start-up: cores, memory,
/// whether libtorch loads, CUDA, a short matrix-multiply throughput figure, free disk and the
/// operating system. A node whose libtorch does not load is reported, not crashed: it can still host
/// the torch-free roles. Setting <c>EDGETRAIN_DISABLE_TORCH=1</c> makes the probe report libtorch as
/// unavailable without touching it, for tests and demos of such a node.
/// </summary>
public static class CapabilityProbe
{
    /// <summary>Name of the environment variable that, set to <c>1</c>, makes the probe leave libtorch alone.</summary>
    public const string DisableTorchVariable = "EDGETRAIN_DISABLE_TORCH";

    /// <summary>The <see cref="NodeCapabilities.TorchError"/> reported when <see cref="DisableTorchVariable"/> is set.</summary>
    public const string DisabledReason = "disabled by EDGETRAIN_DISABLE_TORCH=1";

    private const int MatmulSize = 256;

    /// <summary>
    /// Probes this node. <paramref name="dataDirectory"/> is created when missing and its drive's free
    /// space reported; the matrix-multiply measurement runs one warm-up and then repeated
    /// 256×256 float32 products (on CUDA when available, else the CPU) for at most about
    /// <paramref name="matmulBudget"/>, always at least one.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="matmulBudget"/> is negative.</exception>
    public static NodeCapabilities Probe(string dataDirectory, TimeSpan matmulBudget) =>
        Probe(dataDirectory, matmulBudget, Environment.GetEnvironmentVariable(DisableTorchVariable) == "1");

    /// <summary>
    /// The capabilities of a node started with libtorch disabled: everything but libtorch is probed,
    /// <see cref="NodeCapabilities.TorchError"/> is <paramref name="reason"/>.
    /// </summary>
    public static NodeCapabilities WithoutTorch(string dataDirectory, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new NodeCapabilities(
            Environment.ProcessorCount,
            AvailableMemory(),
            TorchAvailable: false,
            TorchError: reason,
            CudaAvailable: false,
            CudaDevices: 0,
            MatmulGflops: 0,
            FreeDisk(dataDirectory),
            RuntimeInformation.OSDescription);
    }

    /// <summary>Probes this node; with <paramref name="torchDisabled"/> libtorch is not touched.</summary>
    internal static NodeCapabilities Probe(string dataDirectory, TimeSpan matmulBudget, bool torchDisabled)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(matmulBudget, TimeSpan.Zero);
        if (torchDisabled)
        {
            return WithoutTorch(dataDirectory, DisabledReason);
        }

        (bool Cuda, int Devices, double Gflops) figures;
        try
        {
            figures = MeasureTorch(matmulBudget);
        }
        catch (Exception e) when (IsMissingNativeLibrary(e))
        {
            return WithoutTorch(dataDirectory, OneLine(e));
        }

        return new NodeCapabilities(
            Environment.ProcessorCount,
            AvailableMemory(),
            TorchAvailable: true,
            TorchError: null,
            figures.Cuda,
            figures.Devices,
            figures.Gflops,
            FreeDisk(dataDirectory),
            RuntimeInformation.OSDescription);
    }

    // Kept out of line so that a libtorch that fails to load fails inside the caller's try.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (bool Cuda, int Devices, double Gflops) MeasureTorch(TimeSpan budget)
    {
        using (torch.ones(1))
        {
            // loads libtorch; throws here when the native library is missing or incompatible
        }

        var cuda = torch.cuda.is_available();
        var devices = cuda ? torch.cuda.device_count() : 0;
        var device = cuda ? torch.CUDA : torch.CPU;
        return (cuda, devices, MatmulGflops(device, budget));
    }

    private static double MatmulGflops(torch.Device device, TimeSpan budget)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.rand(MatmulSize, MatmulSize, dtype: torch.float32, device: device);
        var b = torch.rand(MatmulSize, MatmulSize, dtype: torch.float32, device: device);
        Finish(a.mm(b));

        var count = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            Finish(a.mm(b));
            count++;
        }
        while (clock.Elapsed < budget);

        var seconds = clock.Elapsed.TotalSeconds;
        var flops = 2d * MatmulSize * MatmulSize * MatmulSize * count;
        return seconds > 0 ? flops / seconds / 1e9 : 0;
    }

    // Reading one element waits for the product (CUDA runs asynchronously) and frees it at once.
    private static void Finish(torch.Tensor product)
    {
        using (product)
        {
            _ = product[0, 0].item<float>();
        }
    }

    private static bool IsMissingNativeLibrary(Exception e) =>
        e is DllNotFoundException
            or TypeInitializationException
            or NotSupportedException
            or BadImageFormatException
            or EntryPointNotFoundException;

    private static string OneLine(Exception e)
    {
        var inner = e;
        while (inner.InnerException is { } next)
        {
            inner = next;
        }

        var message = inner.Message.ReplaceLineEndings(" ").Trim();
        return $"libtorch did not load: {inner.GetType().Name}: {message}";
    }

    private static long AvailableMemory() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    private static long FreeDisk(string dataDirectory)
    {
        var full = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(full);
        try
        {
            return new DriveInfo(full).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return 0;
        }
    }
}
