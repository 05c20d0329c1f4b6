using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Enrolment.Server;

namespace EdgeTrain.Enrolment.Tests.Server;

public sealed class ServerCertificateFilesSpec : IDisposable
{
    private readonly TestPkiFolder pki = new();

    public void Dispose() => pki.Dispose();

    private string Folder => Path.Combine(pki.Root, "enrolment");

    [Fact]
    public void The_first_start_issues_a_server_certificate_of_the_CA_naming_the_hosts_with_an_owner_only_key()
    {
        var (certificate, issued) = ServerCertificateFiles.LoadOrIssue(pki.Ca, Folder, ["seed.lan", "10.0.0.1"], TimeSpan.FromDays(90), DateTimeOffset.UtcNow);
        using (certificate)
        {
            Assert.True(issued);
            Assert.True(certificate.HasPrivateKey);
            var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
            Assert.Equal(["seed.lan"], names.EnumerateDnsNames());
            Assert.Equal([IPAddress.Parse("10.0.0.1")], names.EnumerateIPAddresses());
            Assert.Empty(EdgeTrain.Core.Security.NodeCertificates.RolesOf(certificate));
            Assert.Equal(pki.Ca.Certificate.Subject, certificate.Issuer);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Folder, ServerCertificateFiles.KeyFile)));
            }
        }
    }

    [Fact]
    public void Later_starts_reuse_it_unless_a_name_is_missing_or_it_is_near_its_end()
    {
        var now = DateTimeOffset.UtcNow;
        string first;
        using (var a = ServerCertificateFiles.LoadOrIssue(pki.Ca, Folder, ["seed.lan"], TimeSpan.FromDays(90), now).Certificate)
        {
            first = a.SerialNumber;
        }

        var (same, sameIssued) = ServerCertificateFiles.LoadOrIssue(pki.Ca, Folder, ["seed.lan"], TimeSpan.FromDays(90), now);
        var (renamed, renamedIssued) = ServerCertificateFiles.LoadOrIssue(pki.Ca, Folder, ["seed.lan", "seed2.lan"], TimeSpan.FromDays(90), now);
        var (late, lateIssued) = ServerCertificateFiles.LoadOrIssue(pki.Ca, Folder, ["seed.lan", "seed2.lan"], TimeSpan.FromDays(90), now.AddDays(70));
        using (same)
        using (renamed)
        using (late)
        {
            Assert.False(sameIssued);
            Assert.Equal(first, same.SerialNumber);
            Assert.True(renamedIssued);
            Assert.True(lateIssued);
        }
    }
}
