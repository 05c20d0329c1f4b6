using EdgeTrain.Actors.Serialization;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// Checkpoints of a job's parameters, kept by the JobCoordinator (<c>edgetrain checkpoint
/// list|save|rollback|export</c>). A checkpoint is every slice's values at the version it was at when
/// the coordinator pulled it: while trainers run, the slices are taken one by one, so a checkpoint is
/// a set of slice versions (listed) rather than one instant of the whole model. Checkpoints of a job
/// are numbered 1, 2, … in the order they were taken.
/// <para>
/// Storage: the values go to a checkpoint file (<see cref="Core.Parameters.CheckpointFile"/>) under the
/// coordinator node's data folder, <c>{data-dir}/jobs/{job}/checkpoints/{id}.ckpt</c>; the coordinator's
/// journal records <see cref="Core.Scheduling.CheckpointTaken"/> with the slice versions and the
/// values' CRC-32C, and a rollback refuses a file that does not match it. The files stay on the seed
/// node that took them: a coordinator that moved to another seed node lists those checkpoints but
/// cannot roll back to or export them unless the data folders are shared.
/// </para>
/// </summary>
public static class CheckpointProtocol
{
    /// <summary>One slice of a checkpoint: its index, the version it was taken at, and its length in floats.</summary>
    public sealed record CheckpointSliceInfo(int Slice, long Version, int Length) : IEdgeTrainMessage;

    /// <summary>What is known of a checkpoint: number, time, label, slice versions, size and the values' CRC-32C.</summary>
    public sealed record CheckpointInfo(string JobId, long Id, DateTime TakenUtc, string? Label, CheckpointSliceInfo[] Slices, long TotalFloats, uint ContentHash) : IEdgeTrainMessage;

    /// <summary>Takes a checkpoint of every slice of job <paramref name="JobId"/>; answered by <see cref="CheckpointSaved"/> or <see cref="CheckpointFailed"/>.</summary>
    public sealed record SaveCheckpoint(string JobId, string? Label) : IEdgeTrainMessage;

    /// <summary>The checkpoint is on disk and in the coordinator's journal.</summary>
    public sealed record CheckpointSaved(CheckpointInfo Checkpoint) : IEdgeTrainMessage;

    /// <summary>Asks for a job's checkpoints; answered by <see cref="CheckpointList"/> or <see cref="CheckpointFailed"/>.</summary>
    public sealed record ListCheckpoints(string JobId) : IEdgeTrainMessage;

    /// <summary>A job's checkpoints, oldest first.</summary>
    public sealed record CheckpointList(string JobId, CheckpointInfo[] Checkpoints) : IEdgeTrainMessage;

    /// <summary>
    /// Rolls every slice of the job back to checkpoint <paramref name="CheckpointId"/>: after the answer
    /// <see cref="RolledBack"/>, a pull of each slice returns exactly the checkpoint's values (until the
    /// next update). Trainers that are running go on from the restored values. Answered by
    /// <see cref="RolledBack"/> or <see cref="CheckpointFailed"/>.
    /// </summary>
    public sealed record RollbackCheckpoint(string JobId, long CheckpointId) : IEdgeTrainMessage;

    /// <summary>Every slice holds the checkpoint's values; <paramref name="Versions"/> are the slices' versions now.</summary>
    public sealed record RolledBack(string JobId, long CheckpointId, long[] Versions) : IEdgeTrainMessage;

    /// <summary>
    /// Asks for the bytes of a checkpoint file (the newest checkpoint when <paramref name="CheckpointId"/>
    /// is null) from <paramref name="Offset"/> on; answered by <see cref="CheckpointChunk"/> or
    /// <see cref="CheckpointFailed"/>. A client reads the file chunk by chunk, so that no message
    /// outgrows the transport's frame size.
    /// </summary>
    public sealed record FetchCheckpoint(string JobId, long? CheckpointId, long Offset) : IEdgeTrainMessage;

    /// <summary>Bytes of a checkpoint file from <paramref name="Offset"/>, of <paramref name="TotalBytes"/> in all.</summary>
    public sealed record CheckpointChunk(CheckpointInfo Checkpoint, long Offset, long TotalBytes, byte[] Bytes) : IEdgeTrainMessage;

    /// <summary>The checkpoint request failed; <paramref name="Reason"/> says why.</summary>
    public sealed record CheckpointFailed(string JobId, string Reason) : IEdgeTrainMessage;

    /// <summary>
    /// There is no such job (<paramref name="CheckpointId"/> null), or the job has no such checkpoint
    /// (or none at all, when the request named none): a mistake in the request, not a failure.
    /// </summary>
    public sealed record CheckpointUnknown(string JobId, long? CheckpointId, string Reason) : IEdgeTrainMessage;
}
