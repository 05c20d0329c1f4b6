using System.Buffers.Binary;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Core.Tests.Security;

public sealed class EncryptedBlobSpec
{
    private static readonly StorageKey Key = StorageKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(), "key-a");
    private static readonly StorageKey Other = StorageKey.FromBytes(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray(), "key-b");

    private static byte[] Plain(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static InvalidInputException Refused(byte[] blob, StorageKey? key = null, EncryptedContent content = EncryptedContent.CheckpointFile, byte[]? context = null) =>
        Assert.Throws<InvalidInputException>(() => EncryptedBlob.Open(blob, key ?? Key, content, "f.ckpt", context));

    public static TheoryData<int> Sizes => [0, 1, 1_000, 1 << 20];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void A_blob_opens_to_its_plaintext_with_its_key(int size)
    {
        var plain = Plain(size, size);

        var blob = EncryptedBlob.Seal(plain, Key, EncryptedContent.CheckpointFile);

        Assert.Equal(EncryptedBlob.HeaderSize + size, blob.Length);
        Assert.True(EncryptedBlob.IsEncrypted(blob));
        Assert.Equal(Key.Id, EncryptedBlob.KeyIdOf(blob));
        Assert.Equal(BlobCheck.Intact, EncryptedBlob.Check(blob, Key));
        Assert.Equal(plain, EncryptedBlob.Open(blob, Key, EncryptedContent.CheckpointFile, "f.ckpt"));
    }

    [Fact]
    public void The_header_is_magic_version_content_key_id_length_nonce_crc_and_tag_and_the_body_is_not_the_plaintext()
    {
        var plain = Plain(64, 1);

        var blob = EncryptedBlob.Seal(plain, Key, EncryptedContent.ModelFile);

        Assert.Equal("ETEN"u8.ToArray(), blob[..4]);
        Assert.Equal(1, blob[4]);
        Assert.Equal((byte)EncryptedContent.ModelFile, blob[5]);
        Assert.Equal(Key.IdBytes.ToArray(), blob[6..14]);
        Assert.Equal(64, BinaryPrimitives.ReadInt64LittleEndian(blob.AsSpan(14)));
        Assert.Equal(Core.Integrity.Crc32C.Compute(blob.AsSpan(0, 34)), BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(34)));
        Assert.NotEqual(plain, blob[54..]);
    }

    [Fact]
    public void Every_blob_has_a_new_nonce_so_the_same_plaintext_never_encrypts_the_same()
    {
        var plain = Plain(100, 2);

        var first = EncryptedBlob.Seal(plain, Key, EncryptedContent.CheckpointFile);
        var second = EncryptedBlob.Seal(plain, Key, EncryptedContent.CheckpointFile);

        Assert.NotEqual(first[22..34], second[22..34]);
        Assert.NotEqual(first[54..], second[54..]);
    }

    [Fact]
    public void A_plaintext_that_sits_where_its_ciphertext_goes_is_encrypted_in_place()
    {
        var plain = Plain(5_000, 3);
        var buffer = new byte[EncryptedBlob.HeaderSize + plain.Length];
        plain.CopyTo(buffer, EncryptedBlob.HeaderSize);

        EncryptedBlob.Seal(buffer.AsSpan(EncryptedBlob.HeaderSize), Key, EncryptedContent.StoredRecord, "UE"u8, buffer);

        Assert.Equal(plain, EncryptedBlob.Open(buffer, Key, EncryptedContent.StoredRecord, "record", "UE"u8));
    }

    [Fact]
    public void A_flipped_byte_anywhere_header_nonce_tag_or_body_is_refused_and_nothing_is_returned()
    {
        var blob = EncryptedBlob.Seal(Plain(40, 4), Key, EncryptedContent.CheckpointFile);
        for (var at = 0; at < blob.Length; at++)
        {
            var damaged = blob.ToArray();
            damaged[at] ^= 0x01;

            var e = Refused(damaged);

            Assert.StartsWith("f.ckpt: ", e.Message, StringComparison.Ordinal);
            var expected = at switch
            {
                < 4 => "magic: not encrypted",
                < 38 => "header: the encryption header is damaged",
                _ => "tag: the file is damaged or was changed",
            };
            Assert.True(e.Message.StartsWith("f.ckpt: " + expected, StringComparison.Ordinal), $"byte {at}: {e.Message}");
        }
    }

    [Fact]
    public void A_tag_failure_clears_the_destination()
    {
        var plain = Plain(300, 5);
        var blob = EncryptedBlob.Seal(plain, Key, EncryptedContent.StoredRecord);
        blob[^1] ^= 0x80;
        var destination = new byte[300];
        destination.AsSpan().Fill(0xAA);

        Assert.Throws<InvalidInputException>(() => EncryptedBlob.Open(blob, Key, EncryptedContent.StoredRecord, "r", default, destination));

        Assert.All(destination, b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_blob_of_another_key_names_both_key_ids()
    {
        var blob = EncryptedBlob.Seal(Plain(10, 6), Other, EncryptedContent.CheckpointFile);

        var e = Refused(blob, Key);

        Assert.Equal(BlobCheck.OtherKey, EncryptedBlob.Check(blob, Key));
        Assert.Equal($"f.ckpt: key id: encrypted with another storage key: it needs key {Other.Id}, the configured key is {Key.Id} (key-a)", e.Message);
    }

    [Fact]
    public void A_blob_without_a_key_says_which_key_it_needs()
    {
        var blob = EncryptedBlob.Seal(Plain(10, 7), Other, EncryptedContent.CheckpointFile);

        var e = Assert.Throws<InvalidInputException>(() => EncryptedBlob.Open(blob, null, EncryptedContent.CheckpointFile, "f.ckpt"));

        Assert.Equal(BlobCheck.NoKey, EncryptedBlob.Check(blob, null));
        Assert.StartsWith($"f.ckpt: encryption: encrypted with storage key {Other.Id}, and no storage key is configured", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_blob_is_refused_at_every_length_and_so_is_one_with_bytes_after_it()
    {
        var blob = EncryptedBlob.Seal(Plain(20, 8), Key, EncryptedContent.CheckpointFile);
        for (var length = 4; length < blob.Length; length++)
        {
            var e = Refused(blob[..length]);
            Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        }

        Assert.Contains("1 bytes after the 20 bytes of ciphertext", Refused([.. blob, 0]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_blob_of_another_content_kind_or_context_does_not_pass_for_the_one_expected()
    {
        var model = EncryptedBlob.Seal(Plain(10, 9), Key, EncryptedContent.ModelFile);
        var record = EncryptedBlob.Seal(Plain(10, 9), Key, EncryptedContent.StoredRecord, "UE"u8);

        Assert.Equal("f.ckpt: content: holds an encrypted model file, not an encrypted checkpoint file", Refused(model).Message);
        Assert.Contains("tag: the record is damaged or was changed", Refused(record, content: EncryptedContent.StoredRecord, context: "VR"u8.ToArray()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unprotect_passes_plain_bytes_only_without_a_key_and_refuses_them_with_one()
    {
        var plain = "ETCK and more"u8.ToArray();

        Assert.Same(plain, EncryptedBlob.Unprotect(plain, null, EncryptedContent.CheckpointFile, "f.ckpt"));
        var e = Assert.Throws<InvalidInputException>(() => EncryptedBlob.Unprotect(plain, Key, EncryptedContent.CheckpointFile, "f.ckpt"));
        Assert.StartsWith($"f.ckpt: encryption: not encrypted, and a storage key is configured ({Key.Id}, key-a)", e.Message, StringComparison.Ordinal);
        Assert.Equal(plain, EncryptedBlob.Unprotect(EncryptedBlob.Protect(plain, Key, EncryptedContent.CheckpointFile), Key, EncryptedContent.CheckpointFile, "f.ckpt"));
        Assert.Same(plain, EncryptedBlob.Protect(plain, null, EncryptedContent.CheckpointFile));
    }
}
