namespace Gadgets;

/// <summary>A type outside the EdgeTrain namespace: the Hyperion adapter must never create one.</summary>
public sealed record Evil(string Command);
