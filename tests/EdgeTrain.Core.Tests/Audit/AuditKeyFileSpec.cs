using EdgeTrain.Core.Audit;
using EdgeTrain.Tests;

namespace EdgeTrain.Core.Tests.Audit;

public sealed class AuditKeyFileSpec : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void A_key_is_made_once_owner_only_with_its_public_half_beside_it_and_read_back_the_same()
    {
        var path = Path.Combine(temp.Path, "audit", "coordinator-key.pem");

        using var made = AuditKeyFile.LoadOrCreate(path, out var firstWarning);
        using var again = AuditKeyFile.LoadOrCreate(path, out var secondWarning);

        Assert.Equal(made.PublicKey, again.PublicKey);
        Assert.Null(firstWarning);
        Assert.Null(secondWarning);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path), StringComparison.Ordinal);
        var publicPath = AuditKeyFile.PublicKeyPath(path);
        Assert.Equal(Path.Combine(temp.Path, "audit", "coordinator-key.pub.pem"), publicPath);
        Assert.Equal(made.KeyId, AuditTrust.KeyIdOf(publicPath));
        Assert.Equal(made.KeyId, AuditTrust.KeyIdOf(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        }
    }

    [Fact]
    public void A_key_file_others_can_read_is_made_owner_only_with_a_warning()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = temp.File("key.pem");
        using (AuditKeyFile.LoadOrCreate(path, out _))
        {
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using var key = AuditKeyFile.LoadOrCreate(path, out var warning);

        Assert.Contains("could be read by others (mode 644); made it 0600", warning, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_file_without_a_p256_key_is_refused()
    {
        var path = temp.File("garbage.pem");
        File.WriteAllText(path, "not a key");

        Assert.Throws<InvalidInputException>(() => AuditKeyFile.LoadOrCreate(path, out _));
    }

    [Fact]
    public void Trust_takes_key_ids_with_or_without_the_prefix_and_refuses_anything_else()
    {
        var id = new string('a', 63) + "B";

        Assert.Equal(id.ToLowerInvariant(), AuditTrust.KeyIdOf("sha256:" + id));
        Assert.Equal(id.ToLowerInvariant(), AuditTrust.KeyIdOf(id));
        Assert.Throws<InvalidInputException>(() => AuditTrust.KeyIdOf("sha256:abc"));
        Assert.Throws<InvalidInputException>(() => AuditTrust.KeyIdOf(temp.File("missing.pem")));
    }
}
