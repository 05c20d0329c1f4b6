using EdgeTrain.Core;
using EdgeTrain.Enrolment.Client;

namespace EdgeTrain.Enrolment.Tests.Client;

public sealed class EnrolmentEndpointSpec : IDisposable
{
    private readonly TestPkiFolder pki = new();

    public void Dispose() => pki.Dispose();

    [Fact]
    public void The_tokens_endpoint_wins_over_the_seed()
    {
        var token = pki.Ca.CreateToken(endpoint: new Uri("https://enrol.example.org:8443"));

        Assert.Equal(new Uri("https://enrol.example.org:8443"), EnrolmentEndpoint.For(token, "10.0.0.1:4053", 9112));
    }

    [Fact]
    public void Without_one_the_node_dials_the_seeds_host_on_the_enrolment_port()
    {
        var token = pki.Ca.CreateToken();

        Assert.Equal(new Uri("https://10.0.0.1:9112"), EnrolmentEndpoint.For(token, "10.0.0.1:4053", 9112));
        Assert.Equal(new Uri("https://seed.lan:7000"), EnrolmentEndpoint.For(token, "seed.lan:4053", 7000));
        Assert.Equal(new Uri("https://[::1]:9112"), EnrolmentEndpoint.OfSeed("[::1]:4053", 9112));
    }

    [Fact]
    public void Neither_a_token_endpoint_nor_a_seed_is_an_error_naming_the_switch()
    {
        var token = pki.Ca.CreateToken();

        var e = Assert.Throws<InvalidInputException>(() => EnrolmentEndpoint.For(token, null, 9112));

        Assert.Equal("--seed", e.Key);
        Assert.Contains(token.Id, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_endpoint_is_remembered_beside_the_identity()
    {
        var folder = pki.Node("n");
        Directory.CreateDirectory(folder.Path);

        Assert.Null(EnrolmentEndpoint.Recall(folder));
        EnrolmentEndpoint.Remember(folder, new Uri("https://10.0.0.1:9112"));

        Assert.Equal(new Uri("https://10.0.0.1:9112"), EnrolmentEndpoint.Recall(folder));
    }
}
