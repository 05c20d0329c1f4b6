namespace EdgeTrain.Core.Optimizers;

/// <summary>
/// The optimizer state of one parameter slice: the momentum buffer (Nesterov) or the first and
/// second moments (Adam), and the number of steps applied so far. SGD keeps empty arrays.
/// </summary>
public sealed class ShardOptimizerState
{
    private float[]? scratch;

    /// <summary>Fresh state (zero moments, no steps) for a slice of <paramref name="length"/> floats.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="kind"/> is not a known kind.</exception>
    public ShardOptimizerState(ShardOptimizerKind kind, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Kind = kind;
        (First, Second) = kind switch
        {
            ShardOptimizerKind.Sgd => ([], []),
            ShardOptimizerKind.Nesterov => (new float[length], []),
            ShardOptimizerKind.Adam => (new float[length], new float[length]),
            _ => throw new ArgumentException($"unknown optimizer kind {kind}", nameof(kind)),
        };
    }

    /// <summary>
    /// Restores state from a snapshot. The arrays are kept, not copied. SGD has both arrays empty,
    /// Nesterov has <paramref name="first"/> only, Adam has both of the same length.
    /// </summary>
    /// <exception cref="ArgumentException">the arrays do not fit <paramref name="kind"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is negative.</exception>
    public ShardOptimizerState(ShardOptimizerKind kind, float[] first, float[] second, long steps)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var fits = kind switch
        {
            ShardOptimizerKind.Sgd => first.Length == 0 && second.Length == 0,
            ShardOptimizerKind.Nesterov => second.Length == 0,
            ShardOptimizerKind.Adam => first.Length == second.Length,
            _ => throw new ArgumentException($"unknown optimizer kind {kind}", nameof(kind)),
        };
        if (!fits)
        {
            throw new ArgumentException(
                $"{kind} state needs {Expected(kind)}, got first[{first.Length}] and second[{second.Length}]");
        }

        Kind = kind;
        First = first;
        Second = second;
        Steps = steps;
    }

    /// <summary>The update rule this state belongs to.</summary>
    public ShardOptimizerKind Kind { get; }

    /// <summary>The Nesterov momentum buffer or Adam's first moment m; empty for SGD.</summary>
    public float[] First { get; }

    /// <summary>Adam's second moment v; empty for SGD and Nesterov.</summary>
    public float[] Second { get; }

    /// <summary>Number of updates applied so far.</summary>
    public long Steps { get; internal set; }

    /// <summary>A work buffer of <paramref name="length"/> floats, made once and reused.</summary>
    internal Span<float> Scratch(int length)
    {
        if (scratch is null || scratch.Length != length)
        {
            scratch = new float[length];
        }

        return scratch;
    }

    private static string Expected(ShardOptimizerKind kind) => kind switch
    {
        ShardOptimizerKind.Sgd => "both arrays empty",
        ShardOptimizerKind.Nesterov => "a momentum buffer and an empty second array",
        _ => "two arrays of the same length",
    };
}
