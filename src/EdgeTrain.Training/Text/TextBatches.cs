using static TorchSharp.torch;

namespace EdgeTrain.Training.Text;

/// <summary>
/// Random windows of a text for a language model: each batch is <see cref="BatchSize"/> windows of
/// <see cref="Context"/> + 1 bytes at seeded random offsets, as inputs (the first <see cref="Context"/> bytes) and
/// targets (the same shifted by one). The text lives on the device once; nothing of it leaves this object.
/// </summary>
public sealed class TextBatches : IDisposable
{
    private readonly Tensor data;
    private readonly Tensor span;
    private readonly Generator generator;

    /// <summary>Windows of <paramref name="text"/> (UTF-8 bytes) on <paramref name="device"/>, drawn from <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentException">the text is not longer than one window.</exception>
    public TextBatches(byte[] text, int context, int batchSize, int seed, Device device)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(context);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (text.Length <= context + 1)
        {
            throw new ArgumentException($"a text of {text.Length} bytes holds no window of {context + 1}", nameof(text));
        }

        Context = context;
        BatchSize = batchSize;
        Count = text.Length;
        using (var bytes = tensor(text))
        {
            data = bytes.to(ScalarType.Int64).to(device);
        }

        span = arange(context + 1, ScalarType.Int64, device).unsqueeze(0);
        generator = new Generator((ulong)seed);
    }

    /// <summary>Bytes a window predicts.</summary>
    public int Context { get; }

    /// <summary>Windows a batch.</summary>
    public int BatchSize { get; }

    /// <summary>The text's length in bytes.</summary>
    public int Count { get; }

    /// <summary>The next batch: inputs and targets, [batch, context] token ids each (the caller disposes them).</summary>
    public (Tensor Inputs, Tensor Targets) Next()
    {
        using var scope = NewDisposeScope();
        var offsets = randint(0, Count - Context - 1, [BatchSize], ScalarType.Int64, generator: generator).to(data.device);
        var windows = data.index_select(0, (offsets.unsqueeze(1) + span).reshape(-1)).reshape(BatchSize, Context + 1);
        return (windows.narrow(1, 0, Context).contiguous().MoveToOuterDisposeScope(), windows.narrow(1, 1, Context).contiguous().MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        data.Dispose();
        span.Dispose();
        generator.Dispose();
    }
}
