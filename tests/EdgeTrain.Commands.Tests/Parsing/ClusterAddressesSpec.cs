using EdgeTrain.Commands.Palettes;
using EdgeTrain.Commands.Parsing;

namespace EdgeTrain.Commands.Tests.Parsing;

public sealed class ClusterAddressesSpec
{
    [Theory]
    [InlineData("akka.tcp://edgetrain@10.0.0.7:4053")]
    [InlineData("10.0.0.7:4053")]
    public void A_member_address_is_read_in_full_or_as_host_and_port(string text) =>
        Assert.Equal("akka.tcp://edgetrain@10.0.0.7:4053", ClusterAddresses.Parse(text).ToString());

    [Theory]
    [InlineData("10.0.0.7")]
    [InlineData("akka.tcp://edgetrain@10.0.0.7")]
    [InlineData("10.0.0.7:port")]
    public void Anything_else_is_a_usage_error(string text) =>
        Assert.Throws<CommandUsageException>(() => ClusterAddresses.Parse(text));
}
