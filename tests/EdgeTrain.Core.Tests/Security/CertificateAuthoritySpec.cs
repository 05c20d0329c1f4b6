using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.Core.Tests.Security;

public sealed class CertificateAuthoritySpec : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly ManualClock clock = new();

    public void Dispose() => temp.Dispose();

    private string Folder(string name = "ca") => Path.Combine(temp.Path, name);

    [Fact]
    public void Init_makes_a_self_signed_P256_CA_valid_for_ten_years_with_an_owner_only_key()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test cluster", clock);

        var certificate = ca.Certificate;
        Assert.Equal("CN=test cluster", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.CertificateAuthority);
        Assert.True(constraints.Critical);
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        using (var key = certificate.GetECDsaPublicKey())
        {
            Assert.NotNull(key);
            Assert.Equal("1.2.840.10045.3.1.7", key.ExportParameters(false).Curve.Oid.Value); // NIST P-256
        }

        Assert.Equal(clock.GetUtcNow() - TimeSpan.FromMinutes(5), new DateTimeOffset(certificate.NotBefore.ToUniversalTime()));
        Assert.Equal(clock.GetUtcNow() + CertificateAuthority.CaValidity, new DateTimeOffset(certificate.NotAfter.ToUniversalTime()));
        Assert.True(Pki.Chain(certificate, certificate, clock.GetUtcNow()).Built);

        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(ca.CertificatePath), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(ca.KeyPath), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal("0600", Pki.Mode(ca.KeyPath));
            Assert.Equal("0700", Pki.Mode(Folder()));
        }

        Assert.Equal(CaPin.Of(certificate), ca.Pin);
        Assert.Matches("^sha256:[0-9a-f]{64}$", ca.Pin.ToString());
    }

    [Fact]
    public void Init_without_a_name_names_the_CA_EdgeTrain_cluster_CA()
    {
        using var ca = CertificateAuthority.Init(Folder(), name: null, clock);
        Assert.Equal(CertificateAuthority.DefaultName, ca.Name);
    }

    [Fact]
    public void Init_never_overwrites_a_CA()
    {
        using (CertificateAuthority.Init(Folder(), "first", clock))
        {
        }

        var key = File.ReadAllText(Path.Combine(Folder(), CertificateAuthority.KeyFile));
        var refused = Assert.Throws<InvalidInputException>(() => CertificateAuthority.Init(Folder(), "second", clock));

        Assert.Equal(Folder(), refused.Source);
        Assert.Contains("exists here already", refused.Message, StringComparison.Ordinal);
        Assert.Equal(key, File.ReadAllText(Path.Combine(Folder(), CertificateAuthority.KeyFile)));
        using var loaded = CertificateAuthority.Load(Folder(), clock);
        Assert.Equal("first", loaded.Name);
    }

    [Fact]
    public void Load_reads_the_CA_back_and_its_key_issues_certificates_that_chain_to_the_first_certificate()
    {
        X509Certificate2 original;
        using (var ca = CertificateAuthority.Init(Folder(), "test", clock))
        {
            original = X509CertificateLoader.LoadCertificate(ca.Certificate.RawData);
        }

        using var loaded = CertificateAuthority.Load(Folder(), clock);
        using var issued = loaded.IssueSelf("node-1", ["params"], TimeSpan.FromDays(1));

        Assert.Equal(original.Thumbprint, loaded.Certificate.Thumbprint);
        Assert.Equal(CaPin.Of(original), loaded.Pin);
        Assert.True(Pki.Chain(issued, original, clock.GetUtcNow()).Built);
        original.Dispose();
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "0644")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "0640")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite, "0602")]
    public void Load_refuses_a_key_other_users_may_open_naming_the_file_and_its_mode(UnixFileMode mode, string octal)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using (CertificateAuthority.Init(Folder(), "test", clock))
        {
        }

        var keyPath = Path.Combine(Folder(), CertificateAuthority.KeyFile);
        File.SetUnixFileMode(keyPath, mode);

        var refused = Assert.Throws<InvalidInputException>(() => CertificateAuthority.Load(Folder(), clock));

        Assert.Equal(keyPath, refused.Source);
        Assert.Equal("mode", refused.Key);
        Assert.Contains(octal, refused.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_of_a_folder_without_a_CA_says_how_to_make_one()
    {
        Directory.CreateDirectory(Folder());
        var refused = Assert.Throws<InvalidInputException>(() => CertificateAuthority.Load(Folder(), clock));
        Assert.Contains("edgetrain ca init", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_refuses_the_key_of_another_CA()
    {
        using (CertificateAuthority.Init(Folder("a"), "a", clock))
        using (CertificateAuthority.Init(Folder("b"), "b", clock))
        {
        }

        File.Copy(Path.Combine(Folder("b"), CertificateAuthority.KeyFile), Path.Combine(Folder("a"), CertificateAuthority.KeyFile), overwrite: true);

        var refused = Assert.Throws<InvalidInputException>(() => CertificateAuthority.Load(Folder("a"), clock));
        Assert.Equal(Path.Combine(Folder("a"), CertificateAuthority.KeyFile), refused.Source);
        Assert.Contains("does not belong", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Issue_from_a_CSR_names_the_node_grants_its_roles_and_chains_to_the_CA(bool pem)
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        using var key = SigningRequests.NewKey();
        var request = SigningRequests.Create(key, "worker-7.lab");
        var bytes = pem ? Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE REQUEST", request)) : request;

        using var certificate = ca.Issue(bytes, ["trainer", "params"], TimeSpan.FromDays(30));

        Assert.False(certificate.HasPrivateKey);
        Assert.Equal("CN=worker-7.lab", certificate.Subject);
        Assert.Equal(ca.Certificate.Subject, certificate.Issuer);
        Assert.Equal("worker-7.lab", NodeCertificates.NodeIdOf(certificate));
        Assert.Equal(["params", "trainer"], NodeCertificates.RolesOf(certificate));
        Assert.Equal(["seed"], NodeCertificates.Ungranted(certificate, ["trainer", "seed"]));
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), certificate.PublicKey.ExportSubjectPublicKeyInfo());
        var (built, why) = Pki.Chain(certificate, ca.Certificate, clock.GetUtcNow());
        Assert.True(built, why);

        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Empty(names.EnumerateDnsNames());
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages;
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], usages.Cast<Oid>().Select(o => o.Value).Order());
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);
        Assert.False(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);

        Assert.Equal(clock.GetUtcNow() - TimeSpan.FromMinutes(5), new DateTimeOffset(certificate.NotBefore.ToUniversalTime()));
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromDays(30), new DateTimeOffset(certificate.NotAfter.ToUniversalTime()));
        var serial = certificate.SerialNumberBytes.Span;
        Assert.Equal(16, serial.Length);
        Assert.True(new BigInteger(serial, isUnsigned: false, isBigEndian: true) > 0);
    }

    [Fact]
    public void The_SAN_URI_names_the_node()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        using var certificate = ca.IssueSelf("node-9", ["params"], TimeSpan.FromDays(1));
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();

        var reader = new AsnReader(names.RawData, AsnEncodingRules.DER).ReadSequence();
        var uri = reader.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 6));
        Assert.False(reader.HasData);
        Assert.Equal(NodeCertificates.NodeUriPrefix + "node-9", uri);
    }

    [Fact]
    public void Serials_are_random()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        var serials = Enumerable.Range(0, 20).Select(_ =>
        {
            using var c = ca.IssueSelf("n", ["params"], TimeSpan.FromDays(1));
            return c.SerialNumber;
        }).ToHashSet();
        Assert.Equal(20, serials.Count);
    }

    [Fact]
    public void One_CA_issues_from_many_threads_at_once()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        var issued = new X509Certificate2[32];

        Parallel.For(0, issued.Length, i => issued[i] = ca.IssueSelf($"node-{i}", ["params"], TimeSpan.FromDays(1)));

        Assert.All(issued, c => Assert.True(Pki.Chain(c, ca.Certificate, clock.GetUtcNow()).Built));
        Assert.Equal(issued.Length, issued.Select(c => c.SerialNumber).Distinct().Count());
        foreach (var certificate in issued)
        {
            certificate.Dispose();
        }
    }

    [Fact]
    public void Issue_keeps_only_the_common_name_of_the_request_subject_and_none_of_its_extensions()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        using var key = SigningRequests.NewKey();
        var request = new CertificateRequest("CN=n1, O=Someone Else, OU=admins", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(NodeCertificates.RolesExtension(["seed"]));

        using var certificate = ca.Issue(request.CreateSigningRequest(), ["trainer"], TimeSpan.FromDays(1));

        Assert.Equal("CN=n1", certificate.Subject);
        Assert.Equal(["trainer"], NodeCertificates.RolesOf(certificate));
        Assert.False(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
    }

    [Fact]
    public void A_CSR_without_a_common_name_gets_a_fresh_node_id()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        using var key = SigningRequests.NewKey();

        using var first = ca.Issue(SigningRequests.Create(key, nodeId: null), ["params"], TimeSpan.FromDays(1));
        using var second = ca.Issue(SigningRequests.Create(key, nodeId: null), ["params"], TimeSpan.FromDays(1));

        Assert.Matches("^node-[0-9a-f]{16}$", NodeCertificates.NodeIdOf(first));
        Assert.NotEqual(NodeCertificates.NodeIdOf(first), NodeCertificates.NodeIdOf(second));
    }

    [Fact]
    public void A_CSR_whose_signature_does_not_verify_is_refused()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        using var key = SigningRequests.NewKey();
        var request = SigningRequests.Create(key, "worker-7");
        // another node id in the signed part, the signature left as it was
        var at = request.AsSpan().IndexOf("worker-7"u8);
        request[at + 7] = (byte)'8';

        var refused = Assert.Throws<InvalidInputException>(() => ca.Issue(request, ["params"], TimeSpan.FromDays(1), "peer 10.0.0.7"));

        Assert.Equal("peer 10.0.0.7", refused.Source);
        Assert.Equal("signature", refused.Key);
    }

    [Fact]
    public void Bytes_that_are_not_a_CSR_are_refused()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);

        var garbage = Assert.Throws<InvalidInputException>(() => ca.Issue("hello"u8, ["params"], TimeSpan.FromDays(1)));
        var empty = Assert.Throws<InvalidInputException>(() => ca.Issue([], ["params"], TimeSpan.FromDays(1)));
        var badPem = Assert.Throws<InvalidInputException>(() => ca.Issue("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"u8, ["params"], TimeSpan.FromDays(1)));

        Assert.Equal("format", garbage.Key);
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);
        Assert.Equal("format", badPem.Key);
    }

    [Theory]
    [InlineData("-leading-dash")]
    [InlineData(".hidden")]
    [InlineData("..")]
    [InlineData("two words")]
    [InlineData("slash/y")]
    [InlineData("ünïcode")]
    [InlineData("a12345678901234567890123456789012345678901234567890123456789012345")]
    public void A_CSR_naming_an_invalid_node_id_is_refused_naming_it(string id)
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        using var key = SigningRequests.NewKey();
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(id);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256).CreateSigningRequest();

        var refused = Assert.Throws<InvalidInputException>(() => ca.Issue(request, ["params"], TimeSpan.FromDays(1)));

        Assert.Equal("subject CN", refused.Key);
        Assert.Contains(id.Length > 80 ? id[..80] : id, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_ids_of_64_letters_digits_dashes_underscores_and_dots_are_valid()
    {
        Assert.True(NodeIds.IsValid("a" + new string('-', 20) + "_.B9" + new string('x', 39)));
        Assert.True(NodeIds.IsValid("7"));
        Assert.False(NodeIds.IsValid(""));
        Assert.False(NodeIds.IsValid(null));
        Assert.False(NodeIds.IsValid(new string('x', 65)));
        Assert.True(NodeIds.IsValid(NodeIds.New()));
    }

    [Fact]
    public void An_unknown_role_is_refused_naming_it_and_the_known_ones()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        using var key = SigningRequests.NewKey();

        var refused = Assert.Throws<InvalidInputException>(() => ca.Issue(SigningRequests.Create(key, "n1"), ["trainer", "admin"], TimeSpan.FromDays(1)));

        Assert.Equal("roles", refused.Key);
        Assert.Contains("'admin'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("seed, params, aggregator, trainer, gateway", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_weak_RSA_key_is_refused()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        using var rsa = RSA.Create(1024);
        var request = new CertificateRequest("CN=old", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest();

        var refused = Assert.Throws<InvalidInputException>(() => ca.Issue(request, ["params"], TimeSpan.FromDays(1)));
        Assert.Equal("public key", refused.Key);
    }

    [Fact]
    public void An_RSA_2048_key_is_accepted()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=rsa-node", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest();

        using var certificate = ca.Issue(request, ["params"], TimeSpan.FromDays(1));
        Assert.True(Pki.Chain(certificate, ca.Certificate, clock.GetUtcNow()).Built);
    }

    [Fact]
    public void A_certificate_from_another_CA_does_not_chain_to_this_one()
    {
        using var ours = CertificateAuthority.Init(Folder("ours"), "ours", clock);
        using var theirs = CertificateAuthority.Init(Folder("theirs"), "ours", clock);
        using var stranger = theirs.IssueSelf("intruder", ["seed"], TimeSpan.FromDays(1));

        var (built, why) = Pki.Chain(stranger, ours.Certificate, clock.GetUtcNow());

        Assert.False(built);
        Assert.NotEmpty(why);
    }

    [Fact]
    public void IssueSelf_gives_a_certificate_with_its_private_key()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        using var certificate = ca.IssueSelf("seed-1", ["seed", "params"], CertificateAuthority.DefaultNodeValidity);

        Assert.True(certificate.HasPrivateKey);
        Assert.Equal("seed-1", NodeCertificates.NodeIdOf(certificate));
        Assert.Equal(["params", "seed"], NodeCertificates.RolesOf(certificate));
        using var key = certificate.GetECDsaPrivateKey()!;
        using var publicKey = certificate.GetECDsaPublicKey()!;
        var signature = key.SignData("hello"u8, HashAlgorithmName.SHA256);
        Assert.True(publicKey.VerifyData("hello"u8, signature, HashAlgorithmName.SHA256));
        Assert.True(Pki.Chain(certificate, ca.Certificate, clock.GetUtcNow()).Built);
    }

    [Fact]
    public void A_certificate_never_outlives_the_CA()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        using var certificate = ca.IssueSelf("n", ["params"], TimeSpan.FromDays(365 * 20));
        Assert.Equal(ca.Certificate.NotAfter, certificate.NotAfter);
    }

    [Fact]
    public void A_validity_that_is_not_positive_is_refused()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        var refused = Assert.Throws<InvalidInputException>(() => ca.IssueSelf("n", ["params"], TimeSpan.Zero));
        Assert.Equal("validity", refused.Key);
    }

    [Fact]
    public void An_expired_CA_issues_nothing()
    {
        using var ca = CertificateAuthority.Init(Folder(), "test", clock);
        clock.Advance(CertificateAuthority.CaValidity + TimeSpan.FromDays(1));
        var refused = Assert.Throws<InvalidInputException>(() => ca.IssueSelf("n", ["params"], TimeSpan.FromDays(1)));
        Assert.Equal(ca.CertificatePath, refused.Source);
    }
}
