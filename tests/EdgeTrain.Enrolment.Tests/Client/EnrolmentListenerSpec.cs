using System.Security.Cryptography;
using EdgeTrain.Core;
using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Security;
using EdgeTrain.Enrolment.Client;
using EdgeTrain.Enrolment.Server;
using EdgeTrain.Tests;

namespace EdgeTrain.Enrolment.Tests.Client;

/// <summary>A real enrolment listener (Kestrel, HTTP/2, TLS) on 127.0.0.1 with a test CA, and the node's client against it.</summary>
public sealed class EnrolmentListenerSpec : IAsyncLifetime
{
    private readonly TestPkiFolder pki = new();
    private readonly List<EnrolmentRecord> recorded = [];
    private readonly List<string> reports = [];
    private EnrolmentHost? host;

    private EnrolmentHost Host => host ?? throw new InvalidOperationException("not started");

    private Uri Endpoint => new($"https://127.0.0.1:{Host.Endpoint.Port}");

    private static EnrolmentClient Client => new(EnrolmentSettings.Default with { RequestTimeout = TimeSpan.FromSeconds(20) });

    public async Task InitializeAsync()
    {
        var desk = new EnrolmentDesk(pki.Ca, TimeSpan.FromDays(30), (entry, _) =>
        {
            lock (recorded)
            {
                recorded.Add(entry);
            }

            return Task.FromResult<string?>(null);
        });
        var (certificate, issued) = ServerCertificateFiles.LoadOrIssue(pki.Ca, Path.Combine(pki.Root, "seed", "enrolment"), ["127.0.0.1", "localhost"], TimeSpan.FromDays(90), DateTimeOffset.UtcNow);
        Assert.True(issued);
        host = await EnrolmentHost.StartAsync(desk, certificate, EnrolmentSettings.Default, "127.0.0.1", 0, report: line =>
        {
            lock (reports)
            {
                reports.Add(line);
            }
        });
    }

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }

        pki.Dispose();
    }

    [Fact]
    public async Task A_node_enrols_with_a_token_naming_the_endpoint_and_writes_its_identity()
    {
        var token = pki.Ca.CreateToken([ClusterRoles.Params, ClusterRoles.Trainer], endpoint: Endpoint);
        var folder = pki.Node("node-1");

        using var identity = await Client.EnrolAsync(token.Text, folder, seed: null, roles: []);

        Assert.True(folder.Exists);
        Assert.Equal([ClusterRoles.Params, ClusterRoles.Trainer], identity.Roles.Order());
        Assert.True(pki.Ca.Pin.Matches(identity.Ca));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(folder.KeyPath));
        }

        Assert.Empty(folder.ReadRevocations(identity.Ca).Entries);
        Assert.Equal(Endpoint, EnrolmentEndpoint.Recall(folder));
        var entry = Assert.Single(recorded);
        Assert.Equal(AuditActions.NodeEnrol, entry.Action);
        Assert.Equal(identity.NodeId, entry.NodeId);
        Assert.Equal(identity.Certificate.SerialNumber, entry.Serial);
        Assert.Equal(token.Id, entry.TokenId);
        Assert.Contains(reports, l => l.StartsWith($"enrol: {identity.NodeId} from 127.0.0.1:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_token_without_an_endpoint_enrols_at_the_seeds_host_and_the_enrolment_port()
    {
        var token = pki.Ca.CreateToken();
        var client = new EnrolmentClient(EnrolmentSettings.Default with { Port = Host.Endpoint.Port });

        using var identity = await client.EnrolAsync(token.Text, pki.Node("node-seed"), seed: "127.0.0.1:4053", roles: []);

        Assert.Equal(ClusterRoles.DefaultJoinRoles.Order(), identity.Roles.Order());
    }

    [Fact]
    public async Task A_reused_token_is_refused_and_the_second_node_writes_nothing()
    {
        var token = pki.Ca.CreateToken(endpoint: Endpoint);
        using (await Client.EnrolAsync(token.Text, pki.Node("first"), null, []))
        {
        }

        var second = pki.Node("second");
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => Client.EnrolAsync(token.Text, second, null, []));

        Assert.Contains("refused: used token", e.Message, StringComparison.Ordinal);
        Assert.Contains("already used", e.Message, StringComparison.Ordinal);
        Assert.Contains("PermissionDenied", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(second.Path));
        Assert.Single(recorded);
    }

    [Fact]
    public async Task A_token_of_another_CA_is_refused_by_the_node_on_the_pin_naming_both_and_sends_nothing()
    {
        using var other = new TestPkiFolder();
        var token = other.Ca.CreateToken(endpoint: Endpoint);
        var folder = pki.Node("misled");

        var e = await Assert.ThrowsAsync<InvalidInputException>(() => Client.EnrolAsync(token.Text, folder, null, []));

        Assert.Contains("CA pin mismatch", e.Message, StringComparison.Ordinal);
        Assert.Contains($"expects a CA with pin {other.Ca.Pin}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"the endpoint's CA has {pki.Ca.Pin}", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.Path));
        Assert.Empty(recorded);
        Assert.Empty(reports);
        Assert.Empty(other.UsedTokens());
    }

    [Fact]
    public async Task An_impostor_serving_the_real_CA_certificate_with_a_certificate_of_another_CA_gets_no_token()
    {
        // serves this cluster's CA certificate (public) from GetCa, but its TLS certificate is another CA's
        using var other = new TestPkiFolder();
        var impostorDesk = new EnrolmentDesk(pki.Ca, TimeSpan.FromDays(30), (_, _) => Task.FromResult<string?>("an impostor records nothing"));
        var (impostorCertificate, _) = ServerCertificateFiles.LoadOrIssue(other.Ca, Path.Combine(other.Root, "impostor"), ["127.0.0.1"], TimeSpan.FromDays(90), DateTimeOffset.UtcNow);
        var impostorReports = new List<string>();
        await using var impostor = await EnrolmentHost.StartAsync(impostorDesk, impostorCertificate, EnrolmentSettings.Default, "127.0.0.1", 0, report: impostorReports.Add);
        var token = pki.Ca.CreateToken(endpoint: new Uri($"https://127.0.0.1:{impostor.Endpoint.Port}"));

        var e = await Assert.ThrowsAsync<InvalidInputException>(() => Client.EnrolAsync(token.Text, pki.Node("fooled"), null, []));

        Assert.Contains("CA pin mismatch", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not chain to the pinned CA", e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was sent", e.Message, StringComparison.Ordinal);
        Assert.Empty(impostorReports);
        Assert.Empty(pki.UsedTokens());
    }

    [Fact]
    public async Task An_expired_token_is_refused_as_expired()
    {
        var past = new ManualClock();
        past.Advance(TimeSpan.FromHours(-3));
        using var earlier = CertificateAuthority.Load(pki.CaFolder, past);
        var token = earlier.CreateToken(ttl: TimeSpan.FromHours(1), endpoint: Endpoint);

        var e = await Assert.ThrowsAsync<InvalidInputException>(() => Client.EnrolAsync(token.Text, pki.Node("late"), null, []));

        Assert.Contains("refused: expired token", e.Message, StringComparison.Ordinal);
        Assert.Contains("expired at", e.Message, StringComparison.Ordinal);
        Assert.Empty(pki.UsedTokens());
    }

    [Fact]
    public async Task Bad_token_text_is_refused_before_any_connection()
    {
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => Client.EnrolAsync("et1.garbage", pki.Node("typo"), "127.0.0.1:4053", []));

        Assert.StartsWith("join token: format:", e.Message, StringComparison.Ordinal);
        Assert.Empty(reports);
    }

    [Fact]
    public async Task An_endpoint_nothing_listens_on_is_reported_unreachable()
    {
        var token = pki.Ca.CreateToken(endpoint: new Uri($"https://127.0.0.1:{LoopbackPorts.Free()}"));

        var e = await Assert.ThrowsAsync<InvalidInputException>(() => Client.EnrolAsync(token.Text, pki.Node("lost"), null, []));

        Assert.Contains("cannot reach the enrolment endpoint", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_renews_over_mutual_TLS_keeping_its_key_node_id_and_roles()
    {
        var token = pki.Ca.CreateToken([ClusterRoles.Trainer], endpoint: Endpoint);
        var folder = pki.Node("renewing");
        string firstSerial, nodeId;
        using (var first = await Client.EnrolAsync(token.Text, folder, null, []))
        {
            firstSerial = first.Certificate.SerialNumber;
            nodeId = first.NodeId;
        }

        var key = File.ReadAllText(folder.KeyPath);

        using var renewed = await Client.RenewAsync(folder, Endpoint);

        Assert.Equal(nodeId, renewed.NodeId);
        Assert.Equal([ClusterRoles.Trainer], renewed.Roles);
        Assert.NotEqual(firstSerial, renewed.Certificate.SerialNumber);
        Assert.Equal(key, File.ReadAllText(folder.KeyPath));
        using (var reread = folder.Read())
        {
            Assert.Equal(renewed.Certificate.SerialNumber, reread.Certificate.SerialNumber);
        }

        Assert.Equal([AuditActions.NodeEnrol, AuditActions.NodeRenew], recorded.Select(r => r.Action));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    [Fact]
    public async Task A_renewal_with_a_revoked_certificate_is_refused()
    {
        var token = pki.Ca.CreateToken(endpoint: Endpoint);
        var folder = pki.Node("revoked");
        using (var identity = await Client.EnrolAsync(token.Text, folder, null, []))
        {
            pki.Ca.Revoke(identity.Certificate, "key leaked");
        }

        var e = await Assert.ThrowsAsync<InvalidInputException>(() => Client.RenewAsync(folder, Endpoint));

        Assert.Contains("refused: revoked certificate", e.Message, StringComparison.Ordinal);
        Assert.Contains("key leaked", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeEnrolment_enrols_once_then_reuses_the_identity_and_renews_when_due()
    {
        var output = new StringWriter();
        var settings = EnrolmentSettings.Default with { Port = Host.Endpoint.Port, RenewBefore = TimeSpan.FromDays(7) };
        var folder = pki.Node("program");
        var token = pki.Ca.CreateToken();

        var id = await new NodeEnrolment(settings, output).PrepareAsync(folder, token.Text, "127.0.0.1:4053", [], CancellationToken.None);
        var again = await new NodeEnrolment(settings, output).PrepareAsync(folder, token.Text, "127.0.0.1:4053", [], CancellationToken.None);
        var serial = File.ReadAllText(folder.CertificatePath);
        var late = new ManualClock();
        late.Advance(TimeSpan.FromDays(24));
        var renewedId = await new NodeEnrolment(settings, output, late).PrepareAsync(folder, null, "127.0.0.1:4053", [], CancellationToken.None);

        Assert.Equal(id, again);
        Assert.Equal(id, renewedId);
        var text = output.ToString();
        Assert.Contains($"enrolled as {id}", text, StringComparison.Ordinal);
        Assert.Contains("the join token was not used", text, StringComparison.Ordinal);
        Assert.Contains($"renewed the certificate of {id}", text, StringComparison.Ordinal);
        Assert.NotEqual(serial, File.ReadAllText(folder.CertificatePath));
        Assert.Single(pki.UsedTokens());
    }

    [Fact]
    public async Task A_request_above_the_size_limit_is_refused()
    {
        var token = pki.Ca.CreateToken(endpoint: Endpoint);
        using var key = SigningRequests.NewKey();
        var big = RandomNumberGenerator.GetBytes(EnrolmentSettings.Default.MaxRequestSize + 1);
        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
        {
            using var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
            using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(Endpoint, new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = handler });
            var client = new Protocol.Enrolment.EnrolmentClient(channel);
            await client.EnrolAsync(new Protocol.EnrolRequest { Token = token.Text, CsrDer = Google.Protobuf.ByteString.CopyFrom(big) });
        });

        Assert.True(e.StatusCode == Grpc.Core.StatusCode.ResourceExhausted, e.ToString());
        Assert.Empty(pki.UsedTokens());
    }
}
