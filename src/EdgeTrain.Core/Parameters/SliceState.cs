using System.Globalization;
using EdgeTrain.Core.Aggregation;
using EdgeTrain.Core.Optimizers;

namespace EdgeTrain.Core.Parameters;

/// <summary>
/// The state a ParameterShard owns for one slice: its values, its version (the number of updates
/// applied), the outer optimizer's state, and which sequence numbers of each aggregator it has
/// applied. <see cref="Check"/> decides what to do with an update without changing anything;
/// <see cref="Apply"/> applies one that was accepted. Replaying the same accepted updates from
/// the same snapshot gives the same values bit for bit.
/// </summary>
public sealed class SliceState
{
    private readonly Dictionary<string, AppliedSequences> applied;

    /// <summary>A new slice at version 0 holding <paramref name="values"/>.</summary>
    public SliceState(float[] values, ShardOptimizerSpec optimizer)
        : this(values, optimizer, new ShardOptimizerState(optimizer?.Kind ?? ShardOptimizerKind.Sgd, values?.Length ?? 0), 0, new Dictionary<string, AppliedSequences>())
    {
    }

    /// <summary>Restores a slice from its parts (a snapshot).</summary>
    public SliceState(float[] values, ShardOptimizerSpec optimizer, ShardOptimizerState optimizerState, long version, IReadOnlyDictionary<string, AppliedSequences> applied)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(optimizerState);
        ArgumentNullException.ThrowIfNull(applied);
        if (values.Length == 0)
        {
            throw new ArgumentException("a slice holds at least one float", nameof(values));
        }

        Values = values;
        Optimizer = optimizer;
        OptimizerState = optimizerState;
        Version = version;
        this.applied = new Dictionary<string, AppliedSequences>(applied, StringComparer.Ordinal);
        Changes = new SliceChangeLog(values.Length);
    }

    /// <summary>The positions each recent version changed (for sending a reader only the changes).</summary>
    public SliceChangeLog Changes { get; }

    /// <summary>The slice's current values. Copy before handing them to anyone.</summary>
    public float[] Values { get; }

    /// <summary>Number of updates applied.</summary>
    public long Version { get; private set; }

    /// <summary>The outer optimizer the shard applies updates with.</summary>
    public ShardOptimizerSpec Optimizer { get; }

    /// <summary>The outer optimizer's per-slice state (momentum, Adam moments).</summary>
    public ShardOptimizerState OptimizerState { get; private set; }

    /// <summary>Applied sequence numbers by aggregator id.</summary>
    public IReadOnlyDictionary<string, AppliedSequences> Applied => applied;

    /// <summary>Number of floats in the slice.</summary>
    public int Length => Values.Length;

    /// <summary>What to do with update <paramref name="sequence"/> of <paramref name="aggregatorId"/>: apply it, acknowledge it again, or refuse it.</summary>
    public UpdateVerdict Check(string aggregatorId, long sequence, ReadOnlySpan<float> update)
    {
        ArgumentNullException.ThrowIfNull(aggregatorId);
        if (sequence <= 0)
        {
            return UpdateVerdict.Reject($"sequence number {sequence}; expected 1 or more");
        }

        if (applied.TryGetValue(aggregatorId, out var seen) && seen.Contains(sequence))
        {
            return UpdateVerdict.Duplicate;
        }

        if (update.Length != Length)
        {
            return UpdateVerdict.Reject($"update of {update.Length} floats; the slice has {Length}");
        }

        var bad = PayloadCheck.FirstNonFinite(update);
        return bad >= 0
            ? UpdateVerdict.Reject(string.Create(CultureInfo.InvariantCulture, $"value {bad} is {update[bad]}; expected finite numbers"))
            : UpdateVerdict.Accept;
    }

    /// <summary>Applies an update that <see cref="Check"/> accepted; returns the new version.</summary>
    /// <exception cref="InvalidOperationException">the update was not acceptable.</exception>
    public long Apply(string aggregatorId, long sequence, ReadOnlySpan<float> update)
    {
        var verdict = Check(aggregatorId, sequence, update);
        if (verdict.Kind != UpdateVerdictKind.Accept)
        {
            throw new InvalidOperationException($"update {sequence} of {aggregatorId} cannot be applied: {verdict.Reason ?? verdict.Kind.ToString()}");
        }

        var before = System.Buffers.ArrayPool<float>.Shared.Rent(Length);
        try
        {
            Values.CopyTo(before, 0);
            ShardOptimizer.Apply(Optimizer, Values, update, OptimizerState);
            Changes.Record(Version + 1, before.AsSpan(0, Length), Values);
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(before);
        }

        if (!applied.TryGetValue(aggregatorId, out var seen))
        {
            seen = new AppliedSequences();
            applied[aggregatorId] = seen;
        }

        seen.Add(sequence);
        return ++Version;
    }

    /// <summary>Replaces the values wholesale (a rollback or a restore) and bumps the version.</summary>
    public long Overwrite(ReadOnlySpan<float> values)
    {
        if (values.Length != Length)
        {
            throw new ArgumentException($"the slice has {Length} floats, not {values.Length}", nameof(values));
        }

        values.CopyTo(Values);
        Changes.Forget();
        return ++Version;
    }

    /// <summary>
    /// Restores the slice to a checkpoint's <paramref name="values"/> (a rollback): overwrites the
    /// values, resets the outer optimizer's state (zero momentum or moments, no steps: the state
    /// built up after the checkpoint belongs to a trajectory that is undone, and the checkpoint holds
    /// none), keeps the applied sequence numbers (an update that arrives again is still a duplicate),
    /// and bumps the version, so that every trainer pulls the restored values. Returns the new version.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is not of the slice's length.</exception>
    public long Restore(ReadOnlySpan<float> values)
    {
        var version = Overwrite(values);
        OptimizerState = new ShardOptimizerState(Optimizer.Kind, Length);
        return version;
    }
}
