namespace EdgeTrain.Core.Parameters;

/// <summary>One slice of a flat parameter vector: floats [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Length"/>).</summary>
/// <param name="Index">Position of the slice, 0-based; the entity id of its shard is <c>{jobId}:{Index}</c>.</param>
/// <param name="Offset">Index of the slice's first float in the flat vector.</param>
/// <param name="Length">Number of floats in the slice (at least 1).</param>
public readonly record struct SliceRange(int Index, int Offset, int Length)
{
    /// <summary>Index one past the slice's last float.</summary>
    public int End => Offset + Length;
}
