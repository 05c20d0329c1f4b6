using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Cmd;
using EdgeTrain.Commands.Hosting;
using EdgeTrain.Core.Membership;
using EdgeTrain.Tests;

namespace EdgeTrain.Commands.Tests.Hosting;

/// <summary>One seed node in this process (seed, params and aggregator roles) that the specs' command hosts serve.</summary>
public sealed class OneNodeCluster : IAsyncLifetime
{
    private static readonly NodeCapabilities Capable = new(2, 8L << 30, false, "test", false, 0, 10, 10L << 30, "test");
    private readonly TempFolder temp = new();

    public EdgeTrainNode Node { get; private set; } = null!;

    internal TempFolder Temp => temp;

    public async Task InitializeAsync()
    {
        var port = LoopbackPorts.Free();
        // over TLS, as every node runs: the command host does not care, the node's identity is the test CA's
        using var pki = new TestPki();
        using var certificate = pki.Issue("ops-seed", ["seed", "params", "aggregator"]);
        var identity = pki.WriteIdentity(temp.File("identity"), certificate);
        Node = EdgeTrainNode.Start(new NodeOptions("127.0.0.1", port, [$"127.0.0.1:{port}"], "local", ["seed", "params", "aggregator"], temp.Path, Capable, [], IdentityDirectory: identity));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Akka.Cluster.Cluster.Get(Node.System).SelfMember.Status != Akka.Cluster.MemberStatus.Up && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        await Node.System.Terminate();
        temp.Dispose();
    }
}

/// <summary>The command host over real sockets, driven by the edgetrain-cmd client's own classes.</summary>
public sealed class CommandHostSpec(OneNodeCluster cluster) : IClassFixture<OneNodeCluster>
{
    private static CommandHostSettings Settings(int port, string token = "s3cret") =>
        new("127.0.0.1", port, token, TimeSpan.FromSeconds(5), 100, "", "");

    private static async Task<(int Exit, string Output, string Error)> Run(string[] args, CancellationToken cancellation = default)
    {
        var options = ClientOptions.Parse(args, _ => null);
        using var client = new CommandClient(options);
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await client.RunAsync(options.Command, output, error, cancellation);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Cluster_show_lists_the_member_and_mutating_commands_need_the_token()
    {
        var port = LoopbackPorts.Free();
        await using var host = await CommandHost.StartAsync(cluster.Node, Settings(port));
        var endpoint = $"127.0.0.1:{port}";

        var show = await Run([endpoint, "cluster", "show"]);
        var refused = await Run([endpoint, "job", "pause", "-j", "nope"]);
        var wrong = await Run([endpoint, "job", "pause", "-j", "nope", "--token", "guess"]);
        var unknownJob = await Run([endpoint, "job", "pause", "-j", "nope", "--token", "s3cret"]);
        var typo = await Run([endpoint, "cluster", "shwo"]);

        Assert.Equal(0, show.Exit);
        Assert.Equal([$"{cluster.Node.Address} | [aggregator, params, seed] | up |", "Count: 1 node"], show.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(1, refused.Exit);
        Assert.Contains("'job pause' changes the cluster or a job and needs the command token", refused.Error, StringComparison.Ordinal);
        Assert.Equal(1, wrong.Exit);
        Assert.Equal(1, unknownJob.Exit);
        Assert.Contains("no job 'nope'", unknownJob.Error, StringComparison.Ordinal);
        Assert.Equal(2, typo.Exit);
        Assert.Contains("did you mean 'cluster show'", typo.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_tail_streams_until_the_client_cancels_and_then_exits_0()
    {
        var port = LoopbackPorts.Free();
        await using var host = await CommandHost.StartAsync(cluster.Node, Settings(port));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        var tail = await Run([$"127.0.0.1:{port}", "cluster", "tail"], cancel.Token);

        Assert.Equal(0, tail.Exit);
        Assert.StartsWith("Tailing cluster events seen by", tail.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_certificate_the_host_speaks_TLS_to_a_client_that_trusts_it_and_no_other()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = cluster.Temp.File("host.pfx");
        var cer = cluster.Temp.File("host.cer");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pw"));
        await File.WriteAllBytesAsync(cer, certificate.Export(X509ContentType.Cert));
        var port = LoopbackPorts.Free();
        await using var host = await CommandHost.StartAsync(cluster.Node, Settings(port) with { CertificatePath = pfx, CertificatePassword = "pw" });
        var endpoint = $"127.0.0.1:{port}";

        var trusted = await Run([endpoint, "--ca", cer, "cluster", "leader"]);
        var untrusted = await Run([endpoint, "--tls", "cluster", "leader"]);
        var plain = await Run([endpoint, "cluster", "leader"]);

        Assert.Equal(0, trusted.Exit);
        Assert.Equal(cluster.Node.Address, trusted.Output.Trim());
        Assert.Equal(2, untrusted.Exit);
        Assert.Equal(2, plain.Exit);
    }
}
