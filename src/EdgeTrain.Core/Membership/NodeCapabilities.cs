namespace EdgeTrain.Core.Membership;

/// <summary>
/// What a volunteer's node can do, as its capability probe measured it at start-up. The job
/// coordinator scores these figures (<see cref="CapabilityScore"/>) to choose which nodes train.
/// </summary>
/// <param name="Cores">Logical processors the process may use.</param>
/// <param name="MemoryBytes">Memory the runtime may use, in bytes.</param>
/// <param name="TorchAvailable">Whether libtorch loaded, so the node can train.</param>
/// <param name="TorchError">A one-line reason libtorch did not load, or <see langword="null"/> when it did.</param>
/// <param name="CudaAvailable">Whether libtorch has CUDA and sees a GPU.</param>
/// <param name="CudaDevices">Number of CUDA devices (0 without CUDA).</param>
/// <param name="MatmulGflops">Measured float32 matrix-multiply throughput in GFLOP/s (0 without torch).</param>
/// <param name="FreeDiskBytes">Free bytes on the drive of the node's data folder.</param>
/// <param name="OperatingSystem">The operating system's description.</param>
public sealed record NodeCapabilities(
    int Cores,
    long MemoryBytes,
    bool TorchAvailable,
    string? TorchError,
    bool CudaAvailable,
    int CudaDevices,
    double MatmulGflops,
    long FreeDiskBytes,
    string OperatingSystem);
