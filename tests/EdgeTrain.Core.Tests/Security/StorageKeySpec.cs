using System.Security.Cryptography;
using System.Text;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.Core.Tests.Security;

public sealed class StorageKeySpec : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void A_key_file_made_by_CreateFile_is_one_line_of_base64_readable_by_its_owner_only_and_loads_as_the_same_key()
    {
        var path = folder.File("keys/storage.key");

        var created = StorageKey.CreateFile(path);
        var loaded = StorageKey.Load(path);

        var text = File.ReadAllText(path);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.Single(text.TrimEnd('\n').Split('\n'));
        Assert.Equal(StorageKey.Size, Convert.FromBase64String(text.Trim()).Length);
        Assert.Equal(created.Id, loaded.Id);
        Assert.Equal(path, loaded.Source);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void CreateFile_never_overwrites_a_file_and_names_it()
    {
        var path = folder.File("storage.key");
        StorageKey.CreateFile(path);
        var before = File.ReadAllBytes(path);

        var e = Assert.Throws<InvalidInputException>(() => StorageKey.CreateFile(path));

        Assert.StartsWith(path + ": exists; a key file is never overwritten", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void The_key_id_is_the_first_8_bytes_of_its_SHA_256_in_hex_and_ToString_shows_only_it()
    {
        var bytes = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

        var key = StorageKey.FromBytes(bytes, "test");

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)[..8]), key.Id);
        Assert.Equal(16, key.Id.Length);
        Assert.Equal($"storage key {key.Id}", key.ToString());
        Assert.DoesNotContain(Convert.ToBase64String(bytes), key.ToString(), StringComparison.Ordinal);
        Assert.NotEqual(StorageKey.Generate().Id, StorageKey.Generate().Id);
    }

    [Fact]
    public void A_key_file_may_hold_base64_with_white_space_around_it_or_32_raw_bytes()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        var expected = StorageKey.FromBytes(bytes, "x").Id;
        var text = folder.File("text.key");
        File.WriteAllText(text, "  " + Convert.ToBase64String(bytes) + "\r\n\n");
        var raw = folder.File("raw.key");
        File.WriteAllBytes(raw, bytes);

        Assert.Equal(expected, StorageKey.Load(text).Id);
        Assert.Equal(expected, StorageKey.Load(raw).Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 at all")]
    [InlineData("AAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Anything_else_is_refused_naming_the_file(string contents)
    {
        var path = folder.File("bad.key");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes(contents));

        var e = Assert.Throws<InvalidInputException>(() => StorageKey.Load(path));

        Assert.StartsWith(path + ": not a storage key file: expected one line of base64 of 32 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_key_file_is_named_and_an_empty_path_means_no_key()
    {
        var missing = folder.File("none.key");

        Assert.StartsWith(missing + ": storage key file not found", Assert.Throws<InvalidInputException>(() => StorageKey.Load(missing)).Message, StringComparison.Ordinal);
        Assert.Null(StorageKey.LoadOptional(""));
        Assert.Null(StorageKey.LoadOptional(null));
        Assert.Throws<InvalidInputException>(() => StorageKey.FromBytes(new byte[31], "short"));
    }
}
