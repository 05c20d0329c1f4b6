namespace EdgeTrain.Actors.Serialization;

/// <summary>
/// Marks a message whose bulk is a tensor payload (slice values, contributions, merged updates);
/// it goes through <see cref="TensorPayloadSerializer"/>: a small header and raw little-endian floats.
/// </summary>
public interface ITensorMessage;
