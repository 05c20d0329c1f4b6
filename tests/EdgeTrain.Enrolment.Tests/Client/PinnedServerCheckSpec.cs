using System.Net.Security;
using EdgeTrain.Enrolment.Client;

namespace EdgeTrain.Enrolment.Tests.Client;

public sealed class PinnedServerCheckSpec : IDisposable
{
    private readonly TestPkiFolder pki = new();
    private readonly TestPkiFolder other = new();

    public void Dispose()
    {
        pki.Dispose();
        other.Dispose();
    }

    [Fact]
    public void A_pinned_check_accepts_only_servers_of_the_pinned_CA_whatever_the_system_thinks()
    {
        using var own = pki.Ca.IssueServer("EdgeTrain enrolment", ["127.0.0.1"], TimeSpan.FromDays(90));
        using var foreign = other.Ca.IssueServer("EdgeTrain enrolment", ["127.0.0.1"], TimeSpan.FromDays(90));
        var check = PinnedServerCheck.Pinned(pki.Ca.Pin, pki.Ca.Certificate);

        // the system's verdict (untrusted root, name mismatch) is not what decides
        Assert.True(check.Validate(this, own, null, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.Null(check.Refusal);
        Assert.False(check.Validate(this, foreign, null, SslPolicyErrors.None));
        Assert.Contains("does not chain to the pinned CA", check.Refusal, StringComparison.Ordinal);
        Assert.False(check.Validate(this, null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public void A_probe_accepts_any_server_and_keeps_its_certificate()
    {
        using var foreign = other.Ca.IssueServer("someone", ["127.0.0.1"], TimeSpan.FromDays(90));
        var probe = PinnedServerCheck.Probe();

        Assert.True(probe.Validate(this, foreign, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.Equal(foreign.Thumbprint, probe.Seen?.Thumbprint);
    }

    [Fact]
    public void A_CA_certificate_without_the_pin_cannot_make_a_pinned_check()
    {
        Assert.Throws<ArgumentException>(() => PinnedServerCheck.Pinned(pki.Ca.Pin, other.Ca.Certificate));
    }
}
