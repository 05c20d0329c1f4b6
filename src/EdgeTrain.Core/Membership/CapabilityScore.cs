using System.Globalization;

namespace EdgeTrain.Core.Membership;

/// <summary>
/// Turns a node's <see cref="NodeCapabilities"/> into the roles it offers and into scores the job
/// coordinator compares when it places trainers and parameter shards. Pure arithmetic: every node
/// that sees the same figures reaches the same ranking.
/// </summary>
public static class CapabilityScore
{
    /// <summary>Role of a node that holds parameter slices (a parameter shard).</summary>
    public const string ParamsRole = "params";

    /// <summary>Role of a node that aggregates gradients.</summary>
    public const string AggregatorRole = "aggregator";

    /// <summary>Role of a node that trains (computes gradients); it needs libtorch.</summary>
    public const string TrainerRole = "trainer";

    private const double BytesPerGiB = 1024d * 1024d * 1024d;

    /// <summary>
    /// The roles a node offers unless told otherwise: <see cref="ParamsRole"/> and
    /// <see cref="AggregatorRole"/> always (they are torch-free, so any device can host them), and
    /// <see cref="TrainerRole"/> when libtorch loaded.
    /// </summary>
    public static IReadOnlyList<string> DefaultRoles(NodeCapabilities c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return c.TorchAvailable
            ? [ParamsRole, AggregatorRole, TrainerRole]
            : [ParamsRole, AggregatorRole];
    }

    /// <summary>
    /// How well a node trains; higher is better. 0 when libtorch is not available; otherwise
    /// <c>G + 10·[CUDA] + 0.5·min(Cores, 32) + 0.25·min(MemoryGiB, 32)</c>, where <c>G</c> is
    /// <see cref="NodeCapabilities.MatmulGflops"/> (negative or NaN counts as 0) and <c>[CUDA]</c> is
    /// 1 when CUDA is available. The measured throughput dominates; CUDA, cores and memory add at
    /// most 34 and mostly break ties between nodes that measured alike.
    /// </summary>
    public static double ForTrainer(NodeCapabilities c)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (!c.TorchAvailable)
        {
            return 0;
        }

        var gflops = double.IsFinite(c.MatmulGflops) ? Math.Max(0, c.MatmulGflops) : 0;
        var cuda = c.CudaAvailable ? 10 : 0;
        var cores = 0.5 * Math.Clamp(c.Cores, 0, 32);
        var memory = 0.25 * Math.Min(GiB(c.MemoryBytes), 32);
        return gflops + cuda + cores + memory;
    }

    /// <summary>
    /// How well a node hosts parameter shards, which keep their slices in memory and their snapshots
    /// on disk; higher is better. <c>MemoryGiB + 0.1·min(FreeDiskGiB, 100)</c>: memory counts first,
    /// free disk adds at most 10.
    /// </summary>
    public static double ForParams(NodeCapabilities c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return GiB(c.MemoryBytes) + (0.1 * Math.Min(GiB(c.FreeDiskBytes), 100));
    }

    /// <summary>
    /// <paramref name="nodes"/> ordered by <see cref="ForTrainer"/>, best first; nodes that score the
    /// same keep their given order. Nodes without libtorch score 0 and come last.
    /// </summary>
    public static IReadOnlyList<T> RankForTrainers<T>(IEnumerable<T> nodes, Func<T, NodeCapabilities> capabilities)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(capabilities);
        return [.. nodes.OrderByDescending(n => ForTrainer(capabilities(n)))];
    }

    /// <summary>
    /// A one-line summary for logs and status pages, e.g.
    /// <c>2 cores, 23.4 GiB, torch cpu, 41.2 GFLOP/s, 80 GiB free</c>; a node with CUDA shows
    /// <c>torch cuda (N GPUs)</c>, one without libtorch <c>no torch</c> and no throughput.
    /// </summary>
    public static string Describe(NodeCapabilities c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var inv = CultureInfo.InvariantCulture;
        var cores = c.Cores == 1 ? "1 core" : string.Create(inv, $"{c.Cores} cores");
        var memory = string.Create(inv, $"{GiB(c.MemoryBytes):F1} GiB");
        var disk = string.Create(inv, $"{GiB(c.FreeDiskBytes):F0} GiB free");
        if (!c.TorchAvailable)
        {
            return $"{cores}, {memory}, no torch, {disk}";
        }

        var torch = c.CudaAvailable ? string.Create(inv, $"torch cuda ({c.CudaDevices} GPU{(c.CudaDevices == 1 ? "" : "s")})") : "torch cpu";
        var gflops = string.Create(inv, $"{c.MatmulGflops:F1} GFLOP/s");
        return $"{cores}, {memory}, {torch}, {gflops}, {disk}";
    }

    private static double GiB(long bytes) => Math.Max(0, bytes) / BytesPerGiB;
}
