namespace EdgeTrain.Core.Parameters;

/// <summary>
/// Cuts a flat parameter vector of <see cref="TotalFloats"/> floats into consecutive slices of at
/// most <see cref="SliceFloats"/> floats each: every slice but the last is full, the last holds the
/// rest. The plan is pure arithmetic, so every node derives the same slices from the same two numbers.
/// A split job's vector is cut part by part (no slice holds floats of both the data nodes' and the
/// split-server's layers): such a plan is made from its slices' lengths.
/// </summary>
public sealed class SlicePlan
{
    /// <summary>Default slice size: 262,144 floats = 1 MiB of float32.</summary>
    public const int DefaultSliceFloats = 262_144;

    private readonly SliceRange[] slices;

    /// <summary>Plans the slices of a vector of <paramref name="totalFloats"/> floats.</summary>
    /// <exception cref="ArgumentOutOfRangeException">a count is not positive.</exception>
    public SlicePlan(int totalFloats, int sliceFloats = DefaultSliceFloats)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalFloats);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sliceFloats);
        TotalFloats = totalFloats;
        SliceFloats = sliceFloats;
        var count = (int)(((long)totalFloats + sliceFloats - 1) / sliceFloats);
        slices = new SliceRange[count];
        for (var i = 0; i < count; i++)
        {
            var offset = i * sliceFloats;
            slices[i] = new SliceRange(i, offset, Math.Min(sliceFloats, totalFloats - offset));
        }
    }

    /// <summary>Plans consecutive slices of the given <paramref name="lengths"/>, in order.</summary>
    /// <exception cref="ArgumentException">there is no slice, or a length is not positive.</exception>
    public SlicePlan(IReadOnlyList<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (lengths.Count == 0 || lengths.Any(l => l <= 0))
        {
            throw new ArgumentException($"expected at least one slice, each of a positive length; found [{string.Join(", ", lengths)}]", nameof(lengths));
        }

        slices = new SliceRange[lengths.Count];
        var offset = 0;
        for (var i = 0; i < lengths.Count; i++)
        {
            slices[i] = new SliceRange(i, offset, lengths[i]);
            offset = checked(offset + lengths[i]);
        }

        TotalFloats = offset;
        SliceFloats = lengths.Max();
    }

    /// <summary>Length of the whole flat vector.</summary>
    public int TotalFloats { get; }

    /// <summary>Largest number of floats in one slice.</summary>
    public int SliceFloats { get; }

    /// <summary>Number of slices.</summary>
    public int Count => slices.Length;

    /// <summary>The slices in order of their offsets.</summary>
    public IReadOnlyList<SliceRange> Slices => slices;

    /// <summary>The slice at <paramref name="index"/>.</summary>
    public SliceRange this[int index] => slices[index];

    /// <summary>The floats of slice <paramref name="index"/> inside <paramref name="flat"/>.</summary>
    public ReadOnlySpan<float> Of(ReadOnlySpan<float> flat, int index)
    {
        RequireLength(flat.Length);
        var s = slices[index];
        return flat.Slice(s.Offset, s.Length);
    }

    /// <summary>The writable floats of slice <paramref name="index"/> inside <paramref name="flat"/>.</summary>
    public Span<float> Of(Span<float> flat, int index)
    {
        RequireLength(flat.Length);
        var s = slices[index];
        return flat.Slice(s.Offset, s.Length);
    }

    /// <summary>Copies <paramref name="slice"/> into its place in <paramref name="flat"/>.</summary>
    /// <exception cref="ArgumentException">the slice's length is not that of slice <paramref name="index"/>.</exception>
    public void CopyInto(Span<float> flat, int index, ReadOnlySpan<float> slice)
    {
        var target = Of(flat, index);
        if (slice.Length != target.Length)
        {
            throw new ArgumentException(
                $"slice {index} holds {target.Length} floats, not {slice.Length}", nameof(slice));
        }

        slice.CopyTo(target);
    }

    /// <summary>The index of the slice that holds float <paramref name="offset"/>.</summary>
    public int SliceOf(int offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(offset, TotalFloats);
        var low = 0;
        var high = slices.Length - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (slices[middle].Offset <= offset)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    private void RequireLength(int length)
    {
        if (length != TotalFloats)
        {
            throw new ArgumentException($"the plan is for {TotalFloats} floats, the vector has {length}");
        }
    }
}
