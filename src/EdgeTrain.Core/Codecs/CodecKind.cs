namespace EdgeTrain.Core.Codecs;

/// <summary>How a slice of float32 values is encoded on the wire; the value is the payload's first byte.</summary>
public enum CodecKind
{
    /// <summary>Raw little-endian float32 values (4 bytes each, lossless).</summary>
    None = 0,

    /// <summary>IEEE half precision (2 bytes each); magnitudes above 65504 saturate.</summary>
    Fp16 = 1,

    /// <summary>bfloat16: the upper 16 bits of the float32, rounded to nearest even (2 bytes each).</summary>
    Bf16 = 2,

    /// <summary>Symmetric int8 with one float32 scale (max |v| / 127) per block of values.</summary>
    Int8 = 3,

    /// <summary>The largest-magnitude fraction of the values: delta-encoded varint indices and float32 values.</summary>
    TopK = 4,

    /// <summary>Like <see cref="TopK"/>, with the kept values as int8 under one float32 scale.</summary>
    TopKInt8 = 5,
}
