using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Enrolment.Client;

/// <summary>
/// The TLS server check of a node's enrolment connections: never the system's trust store. A probe
/// (<see cref="Probe"/>) accepts any server and keeps its certificate, so that the node can fetch the CA
/// certificate (public) and check it against the token's pin; every later connection (<see cref="Pinned"/>)
/// accepts only a server certificate that chains to that CA, built with it as the only root. Host names are
/// not checked: the pin is what the token vouches for.
/// </summary>
public sealed class PinnedServerCheck
{
    private readonly CaPin? pin;
    private readonly X509Certificate2? ca;
    private readonly TimeProvider time;

    private PinnedServerCheck(CaPin? pin, X509Certificate2? ca, TimeProvider time)
    {
        this.pin = pin;
        this.ca = ca;
        this.time = time;
    }

    /// <summary>The last server certificate a probe saw (a copy; null for a pinned check).</summary>
    public X509Certificate2? Seen { get; private set; }

    /// <summary>Why the last server was refused (null: none was).</summary>
    public string? Refusal { get; private set; }

    /// <summary>A check that accepts any server and keeps its certificate (to fetch the CA certificate, nothing secret sent).</summary>
    public static PinnedServerCheck Probe(TimeProvider? time = null) => new(null, null, time ?? TimeProvider.System);

    /// <summary>A check that accepts only servers whose certificate chains to <paramref name="ca"/>, which must have <paramref name="pin"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="ca"/> does not have <paramref name="pin"/>.</exception>
    public static PinnedServerCheck Pinned(CaPin pin, X509Certificate2 ca, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(pin);
        ArgumentNullException.ThrowIfNull(ca);
        return pin.Matches(ca)
            ? new PinnedServerCheck(pin, ca, time ?? TimeProvider.System)
            : throw new ArgumentException($"the CA certificate {ca.Subject} does not have the pin {pin}", nameof(ca));
    }

    /// <summary>The server certificate check for <see cref="SslClientAuthenticationOptions.RemoteCertificateValidationCallback"/>.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            Refusal = "the server presented no certificate";
            return false;
        }

        if (pin is null || ca is null)
        {
            Seen?.Dispose();
            Seen = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return true;
        }

        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var check = pin.Check(server, [ca], time.GetUtcNow());
        check.Ca?.Dispose();
        Refusal = check.IsTrusted ? null : check.Why;
        return check.IsTrusted;
    }
}
