using Akka.Configuration;
using EdgeTrain.Commands.Hosting;

namespace EdgeTrain.Commands.Tests.Hosting;

public sealed class TokenCheckSpec
{
    [Fact]
    public void The_right_token_passes_and_a_missing_or_wrong_one_is_refused_naming_the_command_and_how_to_give_one()
    {
        var check = new TokenCheck("s3cret");

        Assert.Null(check.Refusal("cluster leave", "s3cret"));
        var missing = check.Refusal("cluster leave", null);
        var wrong = check.Refusal("cluster leave", "s3cret-not");
        Assert.Contains("'cluster leave'", missing, StringComparison.Ordinal);
        Assert.Contains("--token", missing, StringComparison.Ordinal);
        Assert.Contains("EDGETRAIN_CMD_TOKEN", missing, StringComparison.Ordinal);
        Assert.Contains("does not match", wrong, StringComparison.Ordinal);
    }

    [Fact]
    public void A_host_without_a_token_refuses_every_mutating_command_even_with_an_empty_token()
    {
        var check = new TokenCheck("");

        Assert.False(check.Configured);
        Assert.Contains("no command token configured", check.Refusal("job cancel", ""), StringComparison.Ordinal);
        Assert.Contains("no command token configured", check.Refusal("job cancel", "anything"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_environment_variable_wins_over_the_configured_token_and_the_defaults_come_from_reference_conf()
    {
        var config = ConfigurationFactory.ParseString("edgetrain.cmd { token = from-hocon, port = 9200 }");

        var fromEnvironment = CommandHostSettings.Create(config, name => name == "EDGETRAIN_CMD_TOKEN" ? "from-env" : null);
        var fromHocon = CommandHostSettings.Create(config, _ => null);
        var defaults = CommandHostSettings.Create(Config.Empty, _ => null);

        Assert.Equal("from-env", fromEnvironment.Token);
        Assert.Equal("from-hocon", fromHocon.Token);
        Assert.Equal(9200, fromHocon.Port);
        Assert.Equal(9110, defaults.Port);
        Assert.Equal("127.0.0.1", defaults.Host);
        Assert.Equal("", defaults.Token);
        Assert.False(defaults.Tls);
    }
}
