using EdgeTrain.Core;
using EdgeTrain.Core.Security;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Tests;

namespace EdgeTrain.Seed.Tests.Cli;

/// <summary><c>edgetrain token create</c> through <see cref="SeedCli.Run"/>.</summary>
public sealed class TokenCommandSpec : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly string folder;

    public TokenCommandSpec()
    {
        folder = temp.File("ca");
        Assert.Equal(SeedCli.Success, CaCommandSpec.Run("ca", "init", "--dir", folder).Code);
    }

    public void Dispose() => temp.Dispose();

    private static string LastLine(string output) => output.TrimEnd().Split('\n')[^1].TrimEnd('\r');

    [Fact]
    public void The_last_line_is_a_token_the_CA_accepts_once_for_the_default_roles_and_an_hour()
    {
        var before = DateTimeOffset.UtcNow;
        var (code, output, error) = CaCommandSpec.Run("token", "create", "--ca", folder);

        Assert.True(code == SeedCli.Success, error);
        var text = LastLine(output);
        using var ca = CertificateAuthority.Load(folder);
        var token = ca.RedeemToken(text);
        Assert.Equal(["params", "aggregator", "trainer"], token.Roles);
        Assert.InRange(token.Expires, before.AddHours(1).AddSeconds(-1), DateTimeOffset.UtcNow.AddHours(1));
        Assert.Null(token.Endpoint);
        Assert.Contains(token.Id, output, StringComparison.Ordinal);
        Assert.Contains(ca.Pin.ToString(), output, StringComparison.Ordinal);
        Assert.Throws<InvalidInputException>(() => ca.RedeemToken(text));
    }

    [Fact]
    public void Roles_ttl_and_endpoint_go_into_the_token()
    {
        var (code, output, error) = CaCommandSpec.Run("token", "create", "--ca", folder, "--ttl", "7d", "--roles", "trainer,seed", "--endpoint", "https://seed.lab:4443");

        Assert.True(code == SeedCli.Success, error);
        var token = JoinToken.Parse(LastLine(output));
        Assert.Equal(["seed", "trainer"], token.Roles);
        Assert.InRange(token.Expires - DateTimeOffset.UtcNow, TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));
        Assert.Equal(new Uri("https://seed.lab:4443"), token.Endpoint);
        Assert.Contains("(in 7 d)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--ttl", "0s", "--ttl: expected a positive duration")]
    [InlineData("--ttl", "-1h", "--ttl: expected a positive duration")]
    [InlineData("--ttl", "soon", "--ttl: expected a positive duration")]
    [InlineData("--ttl", "31d", "--ttl: expected a positive duration of at most 30 days")]
    [InlineData("--roles", "params,root", "--roles: unknown role 'root'")]
    [InlineData("--endpoint", "http://seed:4443", "--endpoint: expected an https URL")]
    public void Bad_values_exit_2_naming_the_switch_and_value(string option, string value, string expected)
    {
        var (code, output, error) = CaCommandSpec.Run("token", "create", "--ca", folder, option, value);

        Assert.Equal(SeedCli.BadInput, code);
        Assert.Equal("", output);
        Assert.StartsWith("edgetrain: command line: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_a_CA_exits_2_saying_how_to_make_one()
    {
        var empty = temp.File("empty");
        Directory.CreateDirectory(empty);

        var (code, _, error) = CaCommandSpec.Run("token", "create", "--ca", empty);

        Assert.Equal(SeedCli.BadInput, code);
        Assert.Contains($"{empty}: no cluster CA here", error, StringComparison.Ordinal);
        Assert.Contains("edgetrain ca init", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "token" }, "expected create")]
    [InlineData(new[] { "token", "create" }, "--ca: missing")]
    [InlineData(new[] { "token", "list", "--ca", "x" }, "expected create, found 'list'")]
    public void Bad_usage_exits_2(string[] args, string expected)
    {
        var (code, _, error) = CaCommandSpec.Run(args);

        Assert.Equal(SeedCli.BadInput, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_CA_key_other_users_may_read_exits_2_naming_it()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var key = Path.Combine(folder, "ca.key");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var (code, _, error) = CaCommandSpec.Run("token", "create", "--ca", folder);

        Assert.Equal(SeedCli.BadInput, code);
        Assert.StartsWith($"edgetrain: {key}: mode: ", error, StringComparison.Ordinal);
        Assert.Contains("0604", error, StringComparison.Ordinal);
    }
}
