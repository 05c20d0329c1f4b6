using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Optimizers;

namespace EdgeTrain.Actors.Parameters;

/// <summary>
/// What a ParameterShard persists: journal events (the incremental checkpoint) and full snapshots.
/// All three go through the binary <see cref="TensorPayloadSerializer"/>: they are mostly floats.
/// </summary>
public static class ShardEvents
{
    /// <summary>The slice was created with these values and this optimizer.</summary>
    public sealed record SliceCreated(float[] Values, ShardOptimizerSpec Optimizer, int SnapshotEvery) : ITensorMessage;

    /// <summary>Merged update <paramref name="Sequence"/> of <paramref name="AggregatorId"/> was applied.</summary>
    public sealed record UpdateApplied(string AggregatorId, long Sequence, float[] Payload) : ITensorMessage;

    /// <summary>The whole slice at <paramref name="Version"/>: values, optimizer state and applied sequence numbers.</summary>
    public sealed record SliceSnapshot(
        long Version,
        float[] Values,
        ShardOptimizerSpec Optimizer,
        int SnapshotEvery,
        float[] First,
        float[] Second,
        long Steps,
        Dictionary<string, long> Contiguous,
        Dictionary<string, long[]> Above) : ITensorMessage;
}
