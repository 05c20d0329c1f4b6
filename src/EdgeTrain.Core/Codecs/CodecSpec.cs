namespace EdgeTrain.Core.Codecs;

/// <summary>Which codec to use and its parameters.</summary>
/// <param name="Kind">The encoding.</param>
/// <param name="TopKFraction">For top-k codecs: the fraction of values kept, in (0, 1]; at least one value is kept.</param>
/// <param name="BlockSize">For <see cref="CodecKind.Int8"/>: values per scale, at least 1.</param>
public sealed record CodecSpec(CodecKind Kind, double TopKFraction = 0.01, int BlockSize = 256);
