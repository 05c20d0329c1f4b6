namespace EdgeTrain.Core.Aggregation;

/// <summary>A merged update sent to a slice's shard and not yet acknowledged as durable.</summary>
/// <param name="Slice">The slice.</param>
/// <param name="Sequence">Its sequence number for this aggregator and slice (1-based).</param>
/// <param name="Payload">The merged update, encoded with the job's aggregator-to-shard codec (never changed once made).</param>
/// <param name="SentUtc">When it was last sent.</param>
public sealed record PendingUpdate(int Slice, long Sequence, byte[] Payload, DateTime SentUtc);
