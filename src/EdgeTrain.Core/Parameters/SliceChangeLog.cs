namespace EdgeTrain.Core.Parameters;

/// <summary>
/// Which positions of a slice each recent version changed, so that a reader holding an older
/// version can be sent just those positions (<see cref="Codecs.SparseValues"/>) instead of the
/// whole slice. Keeps the last <see cref="Capacity"/> versions; a version that changed more than
/// <see cref="DenseFraction"/> of the slice is remembered only as "dense". Not thread-safe.
/// </summary>
public sealed class SliceChangeLog
{
    private readonly LinkedList<(long Version, int[]? Changed)> entries = new();
    private bool[] marks = [];

    /// <summary>A log for a slice of <paramref name="length"/> floats.</summary>
    public SliceChangeLog(int length, int capacity = 16, double denseFraction = 0.25)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        if (!(denseFraction > 0 && denseFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(denseFraction), denseFraction, "expected a fraction in (0, 1]");
        }

        Length = length;
        Capacity = capacity;
        DenseFraction = denseFraction;
    }

    /// <summary>Floats in the slice.</summary>
    public int Length { get; }

    /// <summary>Versions remembered.</summary>
    public int Capacity { get; }

    /// <summary>Above this share of changed positions, a version (or a span of versions) counts as dense.</summary>
    public double DenseFraction { get; }

    private int Limit => (int)(DenseFraction * Length);

    /// <summary>Records that <paramref name="version"/> turned <paramref name="before"/> into <paramref name="after"/> (bitwise comparison).</summary>
    public void Record(long version, ReadOnlySpan<float> before, ReadOnlySpan<float> after)
    {
        if (before.Length != Length || after.Length != Length)
        {
            throw new ArgumentException($"the slice has {Length} floats; got {before.Length} and {after.Length}");
        }

        if (entries.Last is { } last && last.Value.Version != version - 1)
        {
            entries.Clear();
        }

        var changed = new List<int>();
        var limit = Limit;
        for (var i = 0; i < Length && changed.Count <= limit; i++)
        {
            if (BitConverter.SingleToInt32Bits(before[i]) != BitConverter.SingleToInt32Bits(after[i]))
            {
                changed.Add(i);
            }
        }

        entries.AddLast((version, changed.Count > limit ? null : changed.ToArray()));
        if (entries.Count > Capacity)
        {
            entries.RemoveFirst();
        }
    }

    /// <summary>Forgets everything (the values were replaced wholesale).</summary>
    public void Forget() => entries.Clear();

    /// <summary>
    /// The positions (ascending) that changed after <paramref name="haveVersion"/> up to
    /// <paramref name="currentVersion"/>, or null when the log does not cover that span or too
    /// much of the slice changed: then the whole slice must be sent.
    /// </summary>
    public int[]? ChangedSince(long haveVersion, long currentVersion)
    {
        if (haveVersion < 0 || haveVersion >= currentVersion || entries.Last?.Value.Version != currentVersion
            || entries.First!.Value.Version > haveVersion + 1)
        {
            return null;
        }

        if (marks.Length != Length)
        {
            marks = new bool[Length];
        }

        var count = 0;
        var limit = Limit;
        try
        {
            foreach (var (version, changed) in entries)
            {
                if (version <= haveVersion)
                {
                    continue;
                }

                if (changed is null)
                {
                    return null;
                }

                foreach (var i in changed)
                {
                    if (!marks[i])
                    {
                        marks[i] = true;
                        if (++count > limit)
                        {
                            return null;
                        }
                    }
                }
            }

            var union = new int[count];
            var at = 0;
            for (var i = 0; i < Length && at < count; i++)
            {
                if (marks[i])
                {
                    union[at++] = i;
                }
            }

            return union;
        }
        finally
        {
            Array.Clear(marks);
        }
    }
}
