using System.Numerics.Tensors;

namespace EdgeTrain.Core.Aggregation;

/// <summary>
/// Merges weighted updates of one parameter slice into their weighted average:
/// <c>Σ wᵢ uᵢ / Σ wᵢ</c>. Not thread-safe; an actor owns one.
/// </summary>
public sealed class SliceAccumulator
{
    private readonly float[] sum;

    /// <summary>An empty accumulator for a slice of <paramref name="length"/> floats.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public SliceAccumulator(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        sum = new float[length];
    }

    /// <summary>Number of floats in the slice.</summary>
    public int Length => sum.Length;

    /// <summary>Updates added since the last <see cref="TakeAverage"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Sum of the weights of the updates added since the last <see cref="TakeAverage"/>.</summary>
    public double TotalWeight { get; private set; }

    /// <summary>Adds <paramref name="weight"/> × <paramref name="update"/> to the sum.</summary>
    /// <exception cref="ArgumentException">
    /// the update is not <see cref="Length"/> floats long, or the weight is not a finite number greater than 0.
    /// </exception>
    public void Add(ReadOnlySpan<float> update, double weight)
    {
        if (update.Length != sum.Length)
        {
            throw new ArgumentException($"the slice has {sum.Length} floats, the update {update.Length}", nameof(update));
        }

        if (!(weight > 0) || !float.IsFinite((float)weight))
        {
            throw new ArgumentException($"weight {weight} must be a finite number greater than 0", nameof(weight));
        }

        TensorPrimitives.MultiplyAdd(update, (float)weight, sum, sum);
        TotalWeight += weight;
        Count++;
    }

    /// <summary>
    /// Adds <paramref name="weight"/> × the update encoded in <paramref name="payload"/>. The
    /// codec validates the whole payload first: a bad one throws and leaves the sum untouched.
    /// </summary>
    /// <exception cref="InvalidInputException">the payload is malformed (named after <paramref name="source"/>).</exception>
    /// <exception cref="ArgumentException">the weight is not a finite number greater than 0.</exception>
    public void AddEncoded(Codecs.ITensorCodec codec, ReadOnlySpan<byte> payload, double weight, string source)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (!(weight > 0) || !float.IsFinite((float)weight))
        {
            throw new ArgumentException($"weight {weight} must be a finite number greater than 0", nameof(weight));
        }

        codec.MergeInto(payload, sum, (float)weight, source);
        TotalWeight += weight;
        Count++;
    }

    /// <summary>The weighted average of the updates added so far, as a new array; empties the accumulator.</summary>
    /// <exception cref="InvalidOperationException">no update was added since the last call.</exception>
    public float[] TakeAverage()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("no update was added since the last average was taken");
        }

        var average = new float[sum.Length];
        TensorPrimitives.Divide(sum, (float)TotalWeight, average);
        Array.Clear(sum);
        TotalWeight = 0;
        Count = 0;
        return average;
    }
}
