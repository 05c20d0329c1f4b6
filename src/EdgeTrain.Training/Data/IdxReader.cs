using System.Buffers.Binary;
using System.IO.Compression;
using EdgeTrain.Core;

namespace EdgeTrain.Training.Data;

/// <summary>
/// Reads IDX files (the MNIST format), plain or gzip-compressed (told apart by the gzip magic
/// bytes 1F 8B). Header: two zero bytes, the element type (0x08 = unsigned byte, the only one
/// supported), the number of dimensions, then each dimension as a big-endian 32-bit integer;
/// the values follow. Every part of the header and the exact length of the data are checked,
/// and each failure names the file and what was expected.
/// </summary>
public static class IdxReader
{
    private const byte UnsignedByteType = 0x08;

    /// <summary>Reads the file at <paramref name="path"/>, which must have <paramref name="dimensions"/> dimensions.</summary>
    /// <exception cref="InvalidInputException">the file is missing, not IDX, of another shape, truncated or too long.</exception>
    public static IdxArray Read(string path, int dimensions)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException(path, "", "file not found");
        }

        byte[] bytes;
        try
        {
            bytes = Decompress(path, File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidInputException(path, "gzip", $"corrupt or truncated gzip stream ({e.Message})", e);
        }

        return Parse(path, bytes, dimensions);
    }

    /// <summary>Parses IDX bytes already in memory; <paramref name="source"/> names them in errors.</summary>
    /// <exception cref="InvalidInputException">the bytes are not IDX of the expected shape and length.</exception>
    public static IdxArray Parse(string source, ReadOnlySpan<byte> bytes, int dimensions)
    {
        if (bytes.Length < 4)
        {
            throw new InvalidInputException(source, "header", $"expected a 4-byte IDX magic number, the file has {bytes.Length} bytes");
        }

        var expectedMagic = (UnsignedByteType << 8) | dimensions;
        var magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != expectedMagic)
        {
            throw new InvalidInputException(source, "magic number",
                $"expected 0x{expectedMagic:X8} (IDX, unsigned bytes, {dimensions} dimensions), found 0x{magic:X8}");
        }

        var headerLength = 4 + (4 * dimensions);
        if (bytes.Length < headerLength)
        {
            throw new InvalidInputException(source, "header",
                $"expected {headerLength} header bytes for {dimensions} dimensions, the file has {bytes.Length}");
        }

        var sizes = new int[dimensions];
        long total = 1;
        for (var d = 0; d < dimensions; d++)
        {
            sizes[d] = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 + (4 * d))..]);
            if (sizes[d] <= 0)
            {
                throw new InvalidInputException(source, $"dimension {d}", $"expected a positive size, found {sizes[d]}");
            }

            total *= sizes[d];
        }

        var data = bytes[headerLength..];
        if (data.Length != total)
        {
            var what = data.Length < total ? "truncated" : "too long";
            throw new InvalidInputException(source, "data",
                $"{what}: the header ({string.Join('x', sizes)}) promises {total} bytes of values, the file has {data.Length}");
        }

        return new IdxArray(sizes, data.ToArray());
    }

    private static byte[] Decompress(string path, byte[] raw)
    {
        if (raw.Length < 2 || raw[0] != 0x1F || raw[1] != 0x8B)
        {
            return raw;
        }

        using var input = new MemoryStream(raw);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        if (output.Length == 0)
        {
            throw new InvalidInputException(path, "gzip", "the compressed stream holds no data");
        }

        return output.ToArray();
    }
}
