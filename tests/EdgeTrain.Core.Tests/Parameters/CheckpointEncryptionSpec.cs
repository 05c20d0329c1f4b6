using System.Runtime.InteropServices;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;
using static EdgeTrain.Tests.FloatData;

namespace EdgeTrain.Core.Tests.Parameters;

/// <summary>Checkpoint files written and read with a storage key (<see cref="StoredFile"/>, <see cref="EncryptedBlob"/>).</summary>
public sealed class CheckpointEncryptionSpec : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly StorageKey key;
    private readonly StorageKey other;

    public CheckpointEncryptionSpec()
    {
        key = StorageKey.CreateFile(folder.File("a.key"));
        other = StorageKey.CreateFile(folder.File("b.key"));
    }

    public void Dispose() => folder.Dispose();

    private static CheckpointContents Sample() => new(
        "mnist-mlp-1",
        3,
        new DateTime(2025, 3, 4, 5, 6, 7, 890, DateTimeKind.Utc),
        "encrypted",
        [new CheckpointSlice(0, 41, Update(300, 1)), new CheckpointSlice(1, 7, Update(77, 2))]);

    private string Path => folder.File("jobs/j/checkpoints/3.ckpt");

    private string Written(StorageKey? with)
    {
        CheckpointFile.Write(Path, Sample(), with);
        return Path;
    }

    private static InvalidInputException Refused(Func<object> read) => Assert.Throws<InvalidInputException>(read);

    [Fact]
    public void An_encrypted_checkpoint_round_trips_bit_for_bit_and_holds_no_plaintext_on_disk()
    {
        var written = Sample();

        var read = CheckpointFile.Read(Written(key), key);

        var bytes = File.ReadAllBytes(Path);
        Assert.True(EncryptedBlob.IsEncrypted(bytes));
        Assert.Equal(key.Id, EncryptedBlob.KeyIdOf(bytes));
        Assert.Equal(CheckpointFile.ToBytes(written).Length + EncryptedBlob.HeaderSize, bytes.Length);
        Assert.Equal(-1, bytes.AsSpan().IndexOf("ETCK"u8));
        Assert.Equal(-1, bytes.AsSpan().IndexOf(MemoryMarshal.AsBytes(written.Slices[0].Values.AsSpan(0, 4))));
        Assert.False(File.Exists(Path + ".tmp"));
        Assert.Equal((written.JobId, written.Id, written.TakenUtc, written.Label, written.ContentHash), (read.JobId, read.Id, read.TakenUtc, read.Label, read.ContentHash));
        AssertBitwiseEqual(written.Slices[0].Values, read.Slices[0].Values);
        AssertBitwiseEqual(written.Slices[1].Values, read.Slices[1].Values);
        Assert.Equal(written.ContentHash, CheckpointFile.FromStoredBytes(bytes, "x", key).ContentHash);
    }

    [Fact]
    public void A_checkpoint_encrypted_with_another_key_is_refused_naming_the_file_and_both_keys()
    {
        var path = Written(other);

        var e = Refused(() => CheckpointFile.Read(path, key));

        Assert.Equal($"{path}: key id: encrypted with another storage key: it needs key {other.Id}, the configured key is {key.Id} ({key.Source})", e.Message);
    }

    [Fact]
    public void An_encrypted_checkpoint_without_a_key_says_a_key_is_needed_naming_the_file()
    {
        var path = Written(key);

        var e = Refused(() => CheckpointFile.Read(path));

        Assert.StartsWith($"{path}: encryption: encrypted with storage key {key.Id}, and no storage key is configured: give its key file (--key FILE, or edgetrain.storage.key-file)", e.Message, StringComparison.Ordinal);
        Assert.Contains("it must be decrypted first", Refused(() => CheckpointFile.FromBytes(File.ReadAllBytes(path), path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plain_checkpoint_is_refused_when_a_key_is_configured_and_read_without_one()
    {
        var path = Written(null);

        var e = Refused(() => CheckpointFile.Read(path, key));

        Assert.StartsWith($"{path}: encryption: not encrypted, and a storage key is configured ({key.Id}", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, CheckpointFile.Read(path).Id);
    }

    [Theory]
    [InlineData(2, "encryption: not encrypted, and a storage key is configured")] // magic: then it is no encrypted file
    [InlineData(5, "header: the encryption header is damaged")] // content kind
    [InlineData(9, "header: the encryption header is damaged")] // key id
    [InlineData(25, "header: the encryption header is damaged")] // nonce
    [InlineData(40, "tag: the file is damaged or was changed")] // tag
    [InlineData(60, "tag: the file is damaged or was changed")] // body: the ETCK header
    [InlineData(-10, "tag: the file is damaged or was changed")] // body: the last floats
    public void A_flipped_byte_is_refused_naming_the_file_and_nothing_is_loaded(int at, string problem)
    {
        var path = Written(key);
        var bytes = File.ReadAllBytes(path);
        bytes[at >= 0 ? at : bytes.Length + at] ^= 0x04;
        File.WriteAllBytes(path, bytes);

        var e = Refused(() => CheckpointFile.Read(path, key));

        Assert.StartsWith($"{path}: {problem}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    [InlineData(54)]
    [InlineData(1_000)]
    public void A_truncated_encrypted_checkpoint_is_refused_naming_the_file(int keep)
    {
        var path = Written(key);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..keep]);

        var e = Refused(() => CheckpointFile.Read(path, key));

        Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains(keep == 0 ? "not encrypted" : "truncated", e.Message, StringComparison.Ordinal);
    }
}
