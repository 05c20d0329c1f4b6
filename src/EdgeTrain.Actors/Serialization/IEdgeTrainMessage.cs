namespace EdgeTrain.Actors.Serialization;

/// <summary>
/// Marks a message, event or snapshot that crosses the network or goes to the journal through
/// Hyperion (<see cref="HyperionSerializerAdapter"/>). Tensor payload messages implement
/// <see cref="ITensorMessage"/> instead, never both.
/// </summary>
public interface IEdgeTrainMessage;
