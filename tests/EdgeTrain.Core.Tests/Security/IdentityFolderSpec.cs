using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.Core.Tests.Security;

public sealed class IdentityFolderSpec : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly CertificateAuthority ca;

    public IdentityFolderSpec() => ca = CertificateAuthority.Init(Path.Combine(temp.Path, "ca"), "test");

    public void Dispose()
    {
        ca.Dispose();
        temp.Dispose();
    }

    private IdentityFolder Enrol(string dataDir, string nodeId, string[] roles)
    {
        var folder = IdentityFolder.InDataDirectory(Path.Combine(temp.Path, dataDir));
        using var key = SigningRequests.NewKey();
        using var certificate = ca.Issue(SigningRequests.Create(key, nodeId), roles, CertificateAuthority.DefaultNodeValidity);
        folder.Write(certificate, key, ca.Certificate);
        return folder;
    }

    [Fact]
    public void An_identity_written_after_enrolment_reads_back_with_a_usable_private_key()
    {
        var folder = Enrol("node-data", "node-1", ["params", "trainer"]);

        using var identity = folder.Read();

        Assert.Equal(Path.Combine(temp.Path, "node-data", "identity"), folder.Path);
        Assert.True(folder.Exists);
        Assert.Equal("node-1", identity.NodeId);
        Assert.Equal(["params", "trainer"], identity.Roles);
        Assert.Equal(ca.Certificate.Thumbprint, identity.Ca.Thumbprint);
        Assert.True(identity.Certificate.HasPrivateKey);
        using var key = identity.Certificate.GetECDsaPrivateKey()!;
        using var publicKey = identity.Certificate.GetECDsaPublicKey()!;
        var signature = key.SignData("a contribution"u8, HashAlgorithmName.SHA256);
        Assert.True(publicKey.VerifyData("a contribution"u8, signature, HashAlgorithmName.SHA256));
        Assert.True(Pki.Chain(identity.Certificate, identity.Ca, DateTimeOffset.UtcNow).Built);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(folder.KeyPath), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(folder.CertificatePath), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(folder.CaPath), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal("0600", Pki.Mode(folder.KeyPath));
            Assert.Equal("0700", Pki.Mode(folder.Path));
        }
    }

    [Fact]
    public void A_certificate_with_its_key_is_written_as_well_and_a_renewal_replaces_it()
    {
        var folder = IdentityFolder.InDataDirectory(Path.Combine(temp.Path, "seed-data"));
        using var first = ca.IssueSelf("seed-1", ["seed"], TimeSpan.FromDays(90));
        using var renewed = ca.IssueSelf("seed-1", ["seed", "params"], TimeSpan.FromDays(90));

        folder.Write(first, ca.Certificate);
        folder.Write(renewed, ca.Certificate);

        using var identity = folder.Read();
        Assert.Equal(renewed.Thumbprint, identity.Certificate.Thumbprint);
        Assert.Equal(["params", "seed"], identity.Roles);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    [Fact]
    public void A_key_that_is_not_the_certificate_s_is_not_written()
    {
        var folder = IdentityFolder.InDataDirectory(Path.Combine(temp.Path, "node-data"));
        using var certificate = ca.IssueSelf("node-1", ["params"], TimeSpan.FromDays(90));
        using var stranger = SigningRequests.NewKey();

        Assert.Throws<ArgumentException>(() => folder.Write(certificate, stranger, ca.Certificate));
        Assert.False(folder.Exists);
    }

    [Fact]
    public void A_folder_without_an_identity_says_the_node_has_not_enrolled()
    {
        var folder = IdentityFolder.InDataDirectory(Path.Combine(temp.Path, "fresh"));

        var refused = Assert.Throws<InvalidInputException>(folder.Read);

        Assert.False(folder.Exists);
        Assert.Equal(folder.CertificatePath, refused.Source);
        Assert.Contains("has not enrolled", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_other_users_may_read_is_refused_naming_the_file_and_its_mode()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var folder = Enrol("node-data", "node-1", ["params"]);
        File.SetUnixFileMode(folder.KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var refused = Assert.Throws<InvalidInputException>(folder.Read);

        Assert.Equal(folder.KeyPath, refused.Source);
        Assert.Contains("0644", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_that_does_not_belong_to_the_certificate_is_refused()
    {
        var folder = Enrol("node-data", "node-1", ["params"]);
        var other = Enrol("other-data", "node-2", ["params"]);
        File.Copy(other.KeyPath, folder.KeyPath, overwrite: true);

        var refused = Assert.Throws<InvalidInputException>(folder.Read);
        Assert.Equal(folder.KeyPath, refused.Source);
    }

    [Fact]
    public void A_certificate_the_CA_file_did_not_issue_is_refused()
    {
        var folder = Enrol("node-data", "node-1", ["params"]);
        using var other = CertificateAuthority.Init(Path.Combine(temp.Path, "other-ca"), "test");
        File.WriteAllText(folder.CaPath, other.Certificate.ExportCertificatePem());

        var refused = Assert.Throws<InvalidInputException>(folder.Read);

        Assert.Equal(folder.CertificatePath, refused.Source);
        Assert.Equal("issuer", refused.Key);
    }

    [Fact]
    public void A_certificate_needs_renewal_when_less_than_a_third_of_its_validity_is_left()
    {
        var folder = Enrol("node-data", "node-1", ["params"]);
        using var identity = folder.Read();
        var third = (identity.NotAfter - identity.NotBefore) / 3;

        Assert.False(identity.NeedsRenewal(identity.NotBefore));
        Assert.False(identity.NeedsRenewal(identity.NotAfter - third));
        Assert.True(identity.NeedsRenewal(identity.NotAfter - third + TimeSpan.FromSeconds(1)));
        Assert.True(identity.NeedsRenewal(identity.NotAfter + TimeSpan.FromDays(1)));
        Assert.Equal(TimeSpan.FromDays(90) + CertificateAuthority.ClockSkew, identity.NotAfter - identity.NotBefore);
    }

    [Fact]
    public async Task Two_identities_authenticate_each_other_over_TLS_against_the_cluster_CA_only()
    {
        using var seed = Enrol("seed-data", "seed-1", ["seed", "params"]).Read();
        using var node = Enrol("node-data", "node-1", ["trainer"]).Read();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        string? clientSeenByServer = null, serverSeenByClient = null;

        var serving = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync();
            await using var tls = new SslStream(socket.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(seed.Certificate, [seed.Ca], offline: true),
                ClientCertificateRequired = true,
                CertificateChainPolicy = ClusterPolicy(seed.Ca),
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    clientSeenByServer = certificate is X509Certificate2 c ? $"{NodeCertificates.NodeIdOf(c)} {string.Join(',', NodeCertificates.RolesOf(c))}" : null;
                    return errors == SslPolicyErrors.None;
                },
            });
            var buffer = new byte[5];
            await tls.ReadExactlyAsync(buffer);
            await tls.WriteAsync(buffer);
        });

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var stream = new SslStream(client.GetStream());
        await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "seed-1",
            ClientCertificateContext = SslStreamCertificateContext.Create(node.Certificate, [node.Ca], offline: true),
            CertificateChainPolicy = ClusterPolicy(node.Ca),
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                var server = (X509Certificate2)certificate!;
                serverSeenByClient = NodeCertificates.NodeIdOf(server);
                // node certificates name node ids, not host names: the chain is what is checked
                return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
            },
        });
        await stream.WriteAsync("hello"u8.ToArray());
        var echo = new byte[5];
        await stream.ReadExactlyAsync(echo);
        await serving;

        Assert.True(stream.IsMutuallyAuthenticated);
        Assert.Equal("hello"u8.ToArray(), echo);
        Assert.Equal("node-1 trainer", clientSeenByServer);
        Assert.Equal("seed-1", serverSeenByClient);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_node_without_the_CA_certificate_trusts_the_seed_on_the_token_s_pin_and_nothing_else(bool impostor)
    {
        // SslStreamCertificateContext leaves a self-signed root out of what the server sends, so the
        // enrolling node gets the CA certificate over the connection, checks it and the server's
        // certificate against the pin, and only then would it send its token
        using var other = CertificateAuthority.Init(Path.Combine(temp.Path, "other-ca"), "test");
        var issuer = impostor ? other : ca;
        var seedFolder = IdentityFolder.InDataDirectory(Path.Combine(temp.Path, "seed-data"));
        using (var certificate = issuer.IssueSelf("seed-1", ["seed"], TimeSpan.FromDays(1)))
        {
            seedFolder.Write(certificate, issuer.Certificate);
        }

        using var seed = seedFolder.Read();
        var pin = JoinToken.Parse(ca.CreateToken().Text).CaPin;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        X509Certificate2? server = null;

        var serving = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync();
            await using var tls = new SslStream(socket.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(seed.Certificate, [seed.Ca], offline: true),
            });
            // an impostor shows the real CA certificate (it is public), not its own
            await tls.WriteAsync(ca.Certificate.RawData);
            tls.Close();
        });

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var stream = new SslStream(client.GetStream());
        await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "seed.example.org",
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                server = X509CertificateLoader.LoadCertificate(((X509Certificate2)certificate!).RawData);
                return true; // decided below, before anything secret is sent
            },
        });
        using var received = new MemoryStream();
        await stream.CopyToAsync(received);
        await serving;
        using var fetchedCa = X509CertificateLoader.LoadCertificate(received.ToArray());
        using var serverCertificate = server!;

        var check = pin.Check(serverCertificate, [fetchedCa], DateTimeOffset.UtcNow);

        Assert.Equal(!impostor, check.IsTrusted);
        if (impostor)
        {
            Assert.Contains("does not chain to the pinned CA", check.Why, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(ca.Certificate.Thumbprint, check.Ca!.Thumbprint);
            check.Ca.Dispose();
        }
    }

    [Fact]
    public async Task A_peer_with_a_certificate_of_another_CA_is_refused()
    {
        using var seed = Enrol("seed-data", "seed-1", ["seed"]).Read();
        using var other = CertificateAuthority.Init(Path.Combine(temp.Path, "other-ca"), "test");
        var strangerFolder = IdentityFolder.InDataDirectory(Path.Combine(temp.Path, "stranger"));
        using (var certificate = other.IssueSelf("node-1", ["seed"], TimeSpan.FromDays(1)))
        {
            strangerFolder.Write(certificate, other.Certificate);
        }

        using var stranger = strangerFolder.Read();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        SslPolicyErrors? seen = null;

        var serving = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync();
            await using var tls = new SslStream(socket.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(seed.Certificate, [seed.Ca], offline: true),
                ClientCertificateRequired = true,
                CertificateChainPolicy = ClusterPolicy(seed.Ca),
                RemoteCertificateValidationCallback = (_, _, _, errors) =>
                {
                    seen = errors;
                    return errors == SslPolicyErrors.None;
                },
            });
        });

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var stream = new SslStream(client.GetStream());
        var connecting = stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "seed-1",
            ClientCertificateContext = SslStreamCertificateContext.Create(stranger.Certificate, [stranger.Ca], offline: true),
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });

        await Assert.ThrowsAnyAsync<Exception>(() => serving);
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await connecting;
            // TLS 1.3: the client learns of the refusal at its first read
            await stream.ReadExactlyAsync(new byte[1]);
        });
        Assert.True(seen.HasValue && seen.Value.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors), $"{seen}");
    }

    private static X509ChainPolicy ClusterPolicy(X509Certificate2 ca)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.Add(ca);
        return policy;
    }
}
