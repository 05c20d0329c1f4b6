namespace EdgeTrain.Core.Parameters;

/// <summary>
/// Which sequence numbers of one sender have been applied: everything up to
/// <see cref="Contiguous"/>, plus the few above it that arrived early (a re-send can overtake).
/// Lets a shard apply each merged update exactly once whatever order deliveries come in.
/// </summary>
public sealed class AppliedSequences
{
    private readonly SortedSet<long> above = [];

    /// <summary>Starts with nothing applied.</summary>
    public AppliedSequences()
    {
    }

    /// <summary>Restores from a snapshot.</summary>
    public AppliedSequences(long contiguous, IEnumerable<long> above)
    {
        Contiguous = contiguous;
        foreach (var sequence in above ?? [])
        {
            if (sequence > contiguous)
            {
                this.above.Add(sequence);
            }
        }

        while (this.above.Remove(Contiguous + 1))
        {
            Contiguous++;
        }
    }

    /// <summary>Every sequence number from 1 to this one has been applied.</summary>
    public long Contiguous { get; private set; }

    /// <summary>Sequence numbers above <see cref="Contiguous"/> + 1 that have been applied.</summary>
    public IReadOnlyCollection<long> Above => above;

    /// <summary>True when <paramref name="sequence"/> has been applied already.</summary>
    public bool Contains(long sequence) => sequence <= Contiguous || above.Contains(sequence);

    /// <summary>Records <paramref name="sequence"/> as applied; false when it was already.</summary>
    public bool Add(long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequence);
        if (Contains(sequence))
        {
            return false;
        }

        if (sequence != Contiguous + 1)
        {
            above.Add(sequence);
            return true;
        }

        Contiguous = sequence;
        while (above.Remove(Contiguous + 1))
        {
            Contiguous++;
        }

        return true;
    }
}
