using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Optimizers;

namespace EdgeTrain.Actors.Parameters;

/// <summary>
/// What a ParameterShard persists: journal events (the incremental checkpoint) and full snapshots.
/// All of them go through the binary <see cref="TensorPayloadSerializer"/>: they are mostly floats,
/// followed by a CRC-32C of all their bytes, or encrypted with AES-GCM when the node has a storage key.
/// A stored record whose checksum or tag does not match, or that does not parse, is read back as
/// <see cref="CorruptSnapshot"/> or <see cref="CorruptEvent"/> instead of failing the recovery: the
/// shard logs it, skips it and never applies it. A record encrypted with a key the node does not have
/// reads back as the same markers with <c>OtherKey</c> set: the shard then recovers nothing on that node.
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
    /// What a stored <see cref="SliceSnapshot"/> reads back as when it is damaged (its checksum or its
    /// AES-GCM tag does not match, or it does not parse), or when it is encrypted with a storage key this
    /// node does not have (<paramref name="OtherKey"/>). Never written.
    /// </summary>
    /// <param name="Reason">What is wrong with the stored bytes (with both key ids when it is another key).</param>
    /// <param name="OtherKey">
    /// True when the record is intact as far as can be told but encrypted with another storage key than
    /// this node's, or with one while this node has none: a configuration error, not damage.
    /// </param>
    public sealed record CorruptSnapshot(string Reason, bool OtherKey = false);

    /// <summary>
    /// What a stored journal event (<see cref="SliceCreated"/>, <see cref="UpdateApplied"/> or <see cref="ValuesRestored"/>) reads back
    /// as when it is damaged (its checksum or its AES-GCM tag does not match, or it does not parse), or
    /// when it is encrypted with a storage key this node does not have (<paramref name="OtherKey"/>). Never written.
    /// </summary>
    /// <param name="Manifest">The stored event's manifest: <c>SC</c>, <c>UE</c>, <c>UA</c> or <c>VR</c>.</param>
    /// <param name="Reason">What is wrong with the stored bytes (with both key ids when it is another key).</param>
    /// <param name="OtherKey">As for <see cref="CorruptSnapshot"/>: encrypted with a key this node does not have.</param>
    public sealed record CorruptEvent(string Manifest, string Reason, bool OtherKey = false);
}
