using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Optimizers;

namespace EdgeTrain.Actors.Parameters;

/// <summary>
/// Messages of the ParameterShard entities (one per parameter slice; entity id
/// <c>{jobId}:{slice}</c>). Float arrays in these messages are never changed after they are sent;
/// <see cref="SliceData"/> and <see cref="MergedUpdate"/> travel through the binary tensor serializer.
/// </summary>
public static class ParameterProtocol
{
    /// <summary>A message routed to one slice's shard entity.</summary>
    public interface IShardMessage
    {
        /// <summary>The job the slice belongs to.</summary>
        string JobId { get; }

        /// <summary>The slice's index.</summary>
        int Slice { get; }
    }

    /// <summary>Entity id of a slice: <c>{jobId}:{slice}</c>.</summary>
    public static string EntityId(string jobId, int slice) => $"{jobId}:{slice}";

    /// <summary>Creates the slice with its initial values (idempotent: a shard that has values keeps them and answers <see cref="SliceInitialized"/>).</summary>
    public sealed record InitSlice(string JobId, int Slice, float[] Values, ShardOptimizerSpec Optimizer, int SnapshotEvery) : IShardMessage, IEdgeTrainMessage;

    /// <summary>The slice exists at <paramref name="Version"/>.</summary>
    public sealed record SliceInitialized(string JobId, int Slice, long Version) : IEdgeTrainMessage;

    /// <summary>
    /// The slice will not be created: its initial values are not finite, or it held trained values
    /// that cannot be recovered (new values would pass for them). The job cannot start; the reason says why.
    /// </summary>
    public sealed record SliceInitRefused(string JobId, int Slice, string Reason) : IEdgeTrainMessage;

    /// <summary>Asks for the slice's values; <paramref name="HaveVersion"/> is the version the asker holds (−1 for none).</summary>
    public sealed record PullSlice(string JobId, int Slice, long HaveVersion) : IShardMessage, IEdgeTrainMessage;

    /// <summary>The slice's values at <paramref name="Version"/> (binary tensor payload).</summary>
    public sealed record SliceData(string JobId, int Slice, long Version, float[] Values) : ITensorMessage;

    /// <summary>
    /// What changed in the slice from <paramref name="FromVersion"/> (the asker's copy) to
    /// <paramref name="Version"/>: the current values at the changed positions
    /// (<see cref="Core.Codecs.SparseValues"/>), sent instead of <see cref="SliceData"/> when few
    /// positions changed. Applying it to a copy at <paramref name="FromVersion"/> gives the slice at
    /// <paramref name="Version"/> bit for bit (binary tensor payload).
    /// </summary>
    public sealed record SliceChanges(string JobId, int Slice, long FromVersion, long Version, byte[] Payload) : ITensorMessage;

    /// <summary>The asker's copy is current: the slice is still at <paramref name="Version"/>.</summary>
    public sealed record SliceUnchanged(string JobId, int Slice, long Version) : IEdgeTrainMessage;

    /// <summary>The slice has not been initialised (yet); ask again later.</summary>
    public sealed record SliceNotReady(string JobId, int Slice) : IEdgeTrainMessage;

    /// <summary>
    /// A merged update from region aggregator <paramref name="AggregatorId"/>, its
    /// <paramref name="Sequence"/>-th (1-based, per aggregator and slice). The shard applies each
    /// sequence number once and acknowledges every delivery (binary tensor payload).
    /// <paramref name="Payload"/> is encoded with the job's aggregator-to-shard codec.
    /// </summary>
    public sealed record MergedUpdate(string JobId, int Slice, string AggregatorId, long Sequence, byte[] Payload) : IShardMessage, ITensorMessage;

    /// <summary>The update is applied and durable; the slice is now at <paramref name="Version"/>.</summary>
    public sealed record UpdateAck(string JobId, int Slice, string AggregatorId, long Sequence, long Version) : IEdgeTrainMessage;

    /// <summary>The update was refused and will never be applied (wrong length, NaN or ±Inf, unknown slice).</summary>
    public sealed record UpdateRejected(string JobId, int Slice, string AggregatorId, long Sequence, string Reason) : IEdgeTrainMessage;

    /// <summary>
    /// Rolls the slice back to checkpoint <paramref name="CheckpointId"/>'s <paramref name="Values"/>:
    /// the shard persists them, overwrites its values, resets its optimizer state and bumps its
    /// version, then answers <see cref="SliceRestored"/> (or <see cref="RestoreRefused"/>). Binary tensor payload.
    /// </summary>
    public sealed record RestoreSlice(string JobId, int Slice, long CheckpointId, float[] Values) : IShardMessage, ITensorMessage;

    /// <summary>The slice holds checkpoint <paramref name="CheckpointId"/>'s values, durably, at <paramref name="Version"/>.</summary>
    public sealed record SliceRestored(string JobId, int Slice, long CheckpointId, long Version) : IEdgeTrainMessage;

    /// <summary>The slice was not restored (it does not exist, or the values do not fit it).</summary>
    public sealed record RestoreRefused(string JobId, int Slice, long CheckpointId, string Reason) : IEdgeTrainMessage;

    /// <summary>Asks a shard for its bookkeeping.</summary>
    public sealed record GetShardInfo(string JobId, int Slice) : IShardMessage, IEdgeTrainMessage;

    /// <summary>
    /// A shard's bookkeeping: version (−1 before the slice exists or when it cannot be recovered),
    /// length, updates applied and rejected, which sequence numbers of each aggregator it holds
    /// (all up to <paramref name="AppliedContiguous"/>, plus <paramref name="AppliedAbove"/>: what the
    /// lost-update audit compares acknowledgements with), and <paramref name="Corrupt"/>: damaged
    /// journal events and snapshots its recoveries found (by checksum) and skipped.
    /// </summary>
    public sealed record ShardInfo(
        string JobId,
        int Slice,
        long Version,
        int Length,
        long Applied,
        long Rejected,
        DateTime LastUpdateUtc,
        Dictionary<string, long> AppliedContiguous,
        Dictionary<string, long[]> AppliedAbove,
        long Corrupt = 0) : IEdgeTrainMessage;
}
