namespace EdgeTrain.Training.Models;

/// <summary>A range of a flat parameter vector.</summary>
/// <param name="Offset">Its first float.</param>
/// <param name="Length">Its floats.</param>
public readonly record struct FloatRange(int Offset, int Length);
