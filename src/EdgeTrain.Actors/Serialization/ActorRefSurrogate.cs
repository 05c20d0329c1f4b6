namespace EdgeTrain.Actors.Serialization;

/// <summary>An actor reference on the wire: its serialized path, resolved again on arrival.</summary>
/// <param name="Path">The full actor path with address and uid.</param>
public sealed record ActorRefSurrogate(string Path);
