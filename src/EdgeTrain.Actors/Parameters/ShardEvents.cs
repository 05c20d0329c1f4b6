using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Optimizers;

namespace EdgeTrain.Actors.Parameters;

/// <summary>
/// What a ParameterShard persists: journal events (the incremental checkpoint) and full snapshots.
/// All of them go through the binary <see cref="TensorPayloadSerializer"/>: they are mostly floats,
/// followed by a CRC-32C of all their bytes. A stored record whose checksum does not match, or that
/// does not parse, is read back as <see cref="CorruptSnapshot"/> or <see cref="CorruptEvent"/>
/// instead of failing the recovery: the shard logs it, skips it and never applies it.
/// </summary>
public static class ShardEvents
{
    /// <summary>The slice was created with these values and this optimizer.</summary>
    public sealed record SliceCreated(float[] Values, ShardOptimizerSpec Optimizer, int SnapshotEvery) : ITensorMessage;

    /// <summary>
    /// Merged update <paramref name="Sequence"/> of <paramref name="AggregatorId"/> was applied;
    /// <paramref name="Payload"/> is the update as it arrived, still encoded (a top-k update is
    /// journaled in its few kilobytes, not as the dense slice).
    /// </summary>
    public sealed record UpdateApplied(string AggregatorId, long Sequence, byte[] Payload) : ITensorMessage;

    /// <summary>
    /// The slice was rolled back to checkpoint <paramref name="CheckpointId"/>'s <paramref name="Values"/>
    /// (<see cref="Core.Parameters.SliceState.Restore"/>: values overwritten, optimizer state reset, version + 1).
    /// </summary>
    public sealed record ValuesRestored(long CheckpointId, float[] Values) : ITensorMessage;

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

    /// <summary>
    /// What a stored <see cref="SliceSnapshot"/> reads back as when it is damaged (its checksum does
    /// not match or it does not parse). Never written.
    /// </summary>
    /// <param name="Reason">What is wrong with the stored bytes.</param>
    public sealed record CorruptSnapshot(string Reason);

    /// <summary>
    /// What a stored journal event (<see cref="SliceCreated"/>, <see cref="UpdateApplied"/> or <see cref="ValuesRestored"/>) reads back
    /// as when it is damaged (its checksum does not match or it does not parse). Never written.
    /// </summary>
    /// <param name="Manifest">The stored event's manifest: <c>SC</c>, <c>UA</c> or <c>VR</c>.</param>
    /// <param name="Reason">What is wrong with the stored bytes.</param>
    public sealed record CorruptEvent(string Manifest, string Reason);
}
