namespace EdgeTrain.Training.Parameters;

/// <summary>Where one named parameter tensor sits in the flat vector.</summary>
/// <param name="Name">The parameter's name, as the module's <c>named_parameters()</c> gives it.</param>
/// <param name="Shape">The tensor's shape.</param>
/// <param name="Offset">Index of its first float in the flat vector.</param>
/// <param name="Length">Number of floats (the product of <paramref name="Shape"/>).</param>
public sealed record ParameterLayoutEntry(string Name, IReadOnlyList<long> Shape, int Offset, int Length);
