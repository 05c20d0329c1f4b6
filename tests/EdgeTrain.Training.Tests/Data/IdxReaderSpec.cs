using System.IO.Compression;
using EdgeTrain.Core;
using EdgeTrain.Tests;
using EdgeTrain.Training.Data;

namespace EdgeTrain.Training.Tests.Data;

public sealed class IdxReaderSpec : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private static byte[] Idx(byte type, int[] dims, int dataBytes)
    {
        var bytes = new List<byte> { 0, 0, type, (byte)dims.Length };
        foreach (var d in dims)
        {
            bytes.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        }

        bytes.AddRange(Enumerable.Range(0, dataBytes).Select(i => (byte)i));
        return [.. bytes];
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(raw);
        }

        return output.ToArray();
    }

    [Fact]
    public void Reads_plain_and_gzip_files_alike()
    {
        var raw = Idx(0x08, [3, 2, 2], 12);
        File.WriteAllBytes(temp.File("plain"), raw);
        File.WriteAllBytes(temp.File("packed.gz"), Gzip(raw));

        var plain = IdxReader.Read(temp.File("plain"), 3);
        var packed = IdxReader.Read(temp.File("packed.gz"), 3);

        Assert.Equal([3, 2, 2], plain.Dimensions);
        Assert.Equal(3, plain.Count);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (byte)i), plain.Values);
        Assert.Equal(plain.Values, packed.Values);
    }

    [Fact]
    public void Reads_the_shipped_mnist_labels()
    {
        var labels = IdxReader.Read(Path.Combine(RepoPaths.Mnist, "train-labels-idx1-ubyte.gz"), 1);

        Assert.Equal(8_004, labels.Count);
        Assert.All(labels.Values, v => Assert.InRange(v, (byte)0, (byte)9));
    }

    [Fact]
    public void A_wrong_magic_number_names_the_file_and_the_expected_magic()
    {
        File.WriteAllBytes(temp.File("labels"), Idx(0x08, [4], 4));

        var e = Assert.Throws<InvalidInputException>(() => IdxReader.Read(temp.File("labels"), 3));

        Assert.Equal(temp.File("labels"), e.Source);
        Assert.Equal("magic number", e.Key);
        Assert.Contains("expected 0x00000803", e.Message, StringComparison.Ordinal);
        Assert.Contains("found 0x00000801", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_element_type_is_a_wrong_magic_number()
    {
        File.WriteAllBytes(temp.File("floats"), Idx(0x0D, [4], 16));

        var e = Assert.Throws<InvalidInputException>(() => IdxReader.Read(temp.File("floats"), 1));

        Assert.Equal("magic number", e.Key);
    }

    [Fact]
    public void A_truncated_data_part_says_how_many_bytes_were_promised()
    {
        File.WriteAllBytes(temp.File("short.gz"), Gzip(Idx(0x08, [10, 28, 28], 7_000)));

        var e = Assert.Throws<InvalidInputException>(() => IdxReader.Read(temp.File("short.gz"), 3));

        Assert.Equal("data", e.Key);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.Contains("7840 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("has 7000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extra_bytes_after_the_data_are_refused_too()
    {
        File.WriteAllBytes(temp.File("long"), Idx(0x08, [4], 5));

        var e = Assert.Throws<InvalidInputException>(() => IdxReader.Read(temp.File("long"), 1));

        Assert.Contains("too long", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_header_is_refused()
    {
        File.WriteAllBytes(temp.File("header"), Idx(0x08, [10, 28, 28], 0)[..9]);

        var e = Assert.Throws<InvalidInputException>(() => IdxReader.Read(temp.File("header"), 3));

        Assert.Equal("header", e.Key);
    }

    [Fact]
    public void A_cut_gzip_stream_is_reported_as_such()
    {
        var packed = Gzip(Idx(0x08, [100], 100));
        File.WriteAllBytes(temp.File("cut.gz"), packed[..(packed.Length / 2)]);

        var e = Assert.Throws<InvalidInputException>(() => IdxReader.Read(temp.File("cut.gz"), 1));

        Assert.Equal(temp.File("cut.gz"), e.Source);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var e = Assert.Throws<InvalidInputException>(() => IdxReader.Read(temp.File("nope"), 1));

        Assert.Contains("file not found", e.Message, StringComparison.Ordinal);
        Assert.Equal(temp.File("nope"), e.Source);
    }
}
