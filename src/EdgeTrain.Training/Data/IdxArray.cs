namespace EdgeTrain.Training.Data;

/// <summary>The contents of one IDX file of unsigned bytes: its dimensions and its values in row-major order.</summary>
/// <param name="Dimensions">Size of each dimension, outermost first (for MNIST images: count, rows, columns).</param>
/// <param name="Values">The values, row-major; their count is the product of <paramref name="Dimensions"/>.</param>
public sealed record IdxArray(IReadOnlyList<int> Dimensions, byte[] Values)
{
    /// <summary>Number of records: the size of the first dimension.</summary>
    public int Count => Dimensions[0];
}
