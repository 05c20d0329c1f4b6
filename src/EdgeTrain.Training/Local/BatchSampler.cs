using EdgeTrain.Training.Data;
using static TorchSharp.torch;

namespace EdgeTrain.Training.Local;

/// <summary>
/// A training set on the device and an endless stream of mini-batches over it: each epoch is a
/// fresh seeded permutation, cut into batches of at most <see cref="BatchSize"/> rows.
/// </summary>
public sealed class BatchSampler : IDisposable
{
    private readonly Generator shuffle;
    private readonly Device device;
    private Tensor? order;
    private int cursor;

    /// <summary>Copies <paramref name="set"/> to <paramref name="device"/> and prepares the first epoch.</summary>
    public BatchSampler(MnistSet set, int batchSize, int seed, Device device)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (set.Count == 0)
        {
            throw new ArgumentException("the training set is empty", nameof(set));
        }

        this.device = device;
        Count = set.Count;
        BatchSize = batchSize;
        Inputs = tensor(set.Images, [set.Count, MnistSet.Pixels]).to(device);
        Targets = tensor(set.Labels, ScalarType.Int64).to(device);
        shuffle = new Generator((ulong)seed);
    }

    /// <summary>Images on the device (Count × 784).</summary>
    public Tensor Inputs { get; }

    /// <summary>Labels on the device.</summary>
    public Tensor Targets { get; }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Largest batch.</summary>
    public int BatchSize { get; }

    /// <summary>Completed passes over the data.</summary>
    public int Epochs { get; private set; }

    /// <summary>The row indices of the next batch (dispose it after the step).</summary>
    public Tensor Next()
    {
        if (order is null || cursor >= Count)
        {
            if (order is not null)
            {
                Epochs++;
                order.Dispose();
            }

            using var cpuOrder = randperm(Count, generator: shuffle);
            order = cpuOrder.to(device);
            cursor = 0;
        }

        var count = Math.Min(BatchSize, Count - cursor);
        var rows = order.narrow(0, cursor, count);
        cursor += count;
        return rows;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        order?.Dispose();
        Inputs.Dispose();
        Targets.Dispose();
        shuffle.Dispose();
    }
}
