using EdgeTrain.Core.Security;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Tests;

namespace EdgeTrain.Seed.Tests.Cli;

/// <summary><c>edgetrain ca init</c> through <see cref="SeedCli.Run"/>.</summary>
public sealed class CaCommandSpec : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SeedCli.Run(args, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Ca_init_creates_the_CA_and_prints_its_files_and_pin()
    {
        var folder = temp.File("ca");

        var (code, output, error) = Run("ca", "init", "--dir", folder, "--name", "lab cluster");

        Assert.True(code == SeedCli.Success, error);
        using var ca = CertificateAuthority.Load(folder);
        Assert.Equal("lab cluster", ca.Name);
        Assert.Contains(Path.Combine(folder, "ca.crt"), output, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folder, "ca.key"), output, StringComparison.Ordinal);
        Assert.Contains($"pin          {ca.Pin}", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Ca_init_over_an_existing_CA_exits_2_and_keeps_it()
    {
        var folder = temp.File("ca");
        Run("ca", "init", "--dir", folder);
        var key = File.ReadAllText(Path.Combine(folder, "ca.key"));

        var (code, _, error) = Run("ca", "init", "--dir", folder);

        Assert.Equal(SeedCli.BadInput, code);
        Assert.StartsWith($"edgetrain: {folder}: a CA exists here already", error, StringComparison.Ordinal);
        Assert.Equal(key, File.ReadAllText(Path.Combine(folder, "ca.key")));
    }

    [Theory]
    [InlineData(new[] { "ca" }, "expected init")]
    [InlineData(new[] { "ca", "create", "--dir", "x" }, "expected init, found 'create'")]
    [InlineData(new[] { "ca", "init" }, "--dir: missing")]
    [InlineData(new[] { "ca", "init", "--dir", "x", "--force" }, "--force: unknown option")]
    public void Bad_usage_exits_2_with_one_line_naming_what_is_wrong(string[] args, string expected)
    {
        var (code, _, error) = Run(args);

        Assert.Equal(SeedCli.BadInput, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Ca_init_where_the_folder_cannot_be_made_exits_2_naming_it()
    {
        var file = temp.File("a-file");
        File.WriteAllText(file, "");

        var (code, _, error) = Run("ca", "init", "--dir", Path.Combine(file, "ca"));

        Assert.Equal(SeedCli.BadInput, code);
        Assert.StartsWith($"edgetrain: {Path.Combine(file, "ca")}: ", error, StringComparison.Ordinal);
    }
}
