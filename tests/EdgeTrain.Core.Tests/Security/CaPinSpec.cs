using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.Core.Tests.Security;

public sealed class CaPinSpec : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly ManualClock clock = new();
    private readonly CertificateAuthority ca;
    private readonly CertificateAuthority other;

    public CaPinSpec()
    {
        ca = CertificateAuthority.Init(Path.Combine(temp.Path, "ca"), "cluster", clock);
        other = CertificateAuthority.Init(Path.Combine(temp.Path, "other"), "cluster", clock);
    }

    public void Dispose()
    {
        ca.Dispose();
        other.Dispose();
        temp.Dispose();
    }

    [Fact]
    public void The_pin_is_the_SHA256_of_the_CA_s_SubjectPublicKeyInfo_in_hex()
    {
        var expected = Convert.ToHexStringLower(SHA256.HashData(ca.Certificate.PublicKey.ExportSubjectPublicKeyInfo()));
        Assert.Equal("sha256:" + expected, ca.Pin.ToString());
        Assert.Equal(ca.Pin, CaPin.Parse(ca.Pin.ToString().ToUpperInvariant(), "test", "pin"));
        Assert.Equal(ca.Pin, CaPin.Parse(expected, "test", "pin"));
        Assert.NotEqual(ca.Pin, other.Pin);
        Assert.True(ca.Pin.Matches(ca.Certificate));
        Assert.False(ca.Pin.Matches(other.Certificate));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sha256:abc")]
    [InlineData("md5:0123456789abcdef0123456789abcdef")]
    [InlineData("sha256:zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Text_that_is_not_a_pin_is_refused(string text)
    {
        var refused = Assert.Throws<InvalidInputException>(() => CaPin.Parse(text, "command line", "--pin"));
        Assert.Equal("--pin", refused.Key);
    }

    [Fact]
    public void A_server_certificate_of_the_pinned_CA_is_trusted_and_the_CA_certificate_handed_over()
    {
        using var server = ca.IssueSelf("seed-1", ["seed"], TimeSpan.FromDays(90));

        var check = ca.Pin.Check(server, [ca.Certificate], clock.GetUtcNow());

        Assert.True(check.IsTrusted, check.Why);
        Assert.Equal(ca.Certificate.Thumbprint, check.Ca!.Thumbprint);
        check.Ca.Dispose();
    }

    [Fact]
    public void A_server_that_presents_no_certificate_with_the_pinned_key_is_not_trusted()
    {
        using var server = other.IssueSelf("seed-1", ["seed"], TimeSpan.FromDays(90));

        var check = ca.Pin.Check(server, [other.Certificate], clock.GetUtcNow());

        Assert.False(check.IsTrusted);
        Assert.Null(check.Ca);
        Assert.Contains("no certificate the server presented has the pinned key", check.Why, StringComparison.Ordinal);
        Assert.Contains(other.Pin.ToString(), check.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_certificate_of_another_CA_presented_with_the_pinned_CA_is_not_trusted()
    {
        using var impostor = other.IssueSelf("seed-1", ["seed"], TimeSpan.FromDays(90));

        // the impostor replays the real CA certificate (public) beside its own
        var check = ca.Pin.Check(impostor, [ca.Certificate, other.Certificate], clock.GetUtcNow());

        Assert.False(check.IsTrusted);
        Assert.Contains("does not chain to the pinned CA", check.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pin_of_a_certificate_that_is_not_a_CA_is_not_trusted()
    {
        using var server = ca.IssueSelf("seed-1", ["seed"], TimeSpan.FromDays(90));

        var check = CaPin.Of(server).Check(server, [ca.Certificate], clock.GetUtcNow());

        Assert.False(check.IsTrusted);
        Assert.Contains("not a CA certificate", check.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_server_certificate_is_not_trusted()
    {
        using var server = ca.IssueSelf("seed-1", ["seed"], TimeSpan.FromDays(1));

        var check = ca.Pin.Check(server, [ca.Certificate], clock.GetUtcNow() + TimeSpan.FromDays(2));

        Assert.False(check.IsTrusted);
        Assert.Contains(nameof(X509ChainStatusFlags.NotTimeValid), check.Why, StringComparison.Ordinal);
    }
}
