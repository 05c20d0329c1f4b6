using EdgeTrain.Cmd;

namespace EdgeTrain.Commands.Tests.Client;

public sealed class ClientSpec
{
    private static string? NoEnvironment(string name) => null;

    [Fact]
    public void The_first_word_may_name_the_host_and_the_clients_switches_may_stand_anywhere()
    {
        var options = ClientOptions.Parse(["10.0.0.7:9200", "cluster", "leave", "10.0.0.8:4053", "--token", "t0k", "--tls"], NoEnvironment);

        Assert.Equal("10.0.0.7", options.Host);
        Assert.Equal(9200, options.Port);
        Assert.Equal("t0k", options.Token);
        Assert.True(options.Tls);
        Assert.Equal(["cluster", "leave", "10.0.0.8:4053"], options.Command);
        Assert.Equal(new Uri("https://10.0.0.7:9200"), options.Address);
    }

    [Fact]
    public void Without_a_host_it_is_the_default_port_on_loopback_and_the_token_comes_from_the_environment()
    {
        var options = ClientOptions.Parse(["job", "list"], name => name == "EDGETRAIN_CMD_TOKEN" ? "from-env" : null);
        var prompt = ClientOptions.Parse([], NoEnvironment);

        Assert.Equal("127.0.0.1:9110", options.Endpoint);
        Assert.Equal(new Uri("http://127.0.0.1:9110"), options.Address);
        Assert.Equal("from-env", options.Token);
        Assert.Empty(prompt.Command);
        Assert.Null(prompt.Token);
    }

    [Theory]
    [InlineData("127.0.0.1:99999")]
    [InlineData("--token")]
    public void A_bad_host_or_a_switch_without_its_value_is_a_usage_error(string word) =>
        Assert.Throws<ClientUsageException>(() => ClientOptions.Parse([word], NoEnvironment));

    [Fact]
    public void Words_typed_at_the_prompt_split_on_blanks_and_quotes_keep_blanks()
    {
        Assert.Equal(["cluster", "down", "-a", "a b"], CommandWords.Split("  cluster down  -a \"a b\" "));
        Assert.Equal(["x", "it's"], CommandWords.Split("x \"it's\""));
        Assert.Throws<ClientUsageException>(() => CommandWords.Split("job show -j 'open"));
    }

    [Fact]
    public void History_walks_back_and_forth_and_skips_blank_and_repeated_lines()
    {
        var history = new CommandHistory();
        history.Add("cluster show");
        history.Add("cluster show");
        history.Add(" ");
        history.Add("job list");

        Assert.Equal(["cluster show", "job list"], history.Entries);
        Assert.Equal("job list", history.Previous());
        Assert.Equal("cluster show", history.Previous());
        Assert.Equal("cluster show", history.Previous());
        Assert.Equal("job list", history.Next());
        Assert.Equal("", history.Next());
    }
}
