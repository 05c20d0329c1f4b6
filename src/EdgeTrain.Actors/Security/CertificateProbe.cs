using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace EdgeTrain.Actors.Security;

/// <summary>
/// Opens a TLS connection to a member's advertised address, presenting this node's certificate,
/// takes the certificate the listener there presents, and closes the connection before any Akka
/// traffic: how the membership guard learns which certificate listens at a member's address when
/// Akka itself never dialled it (Akka reuses the connection the member opened, whose port is ephemeral).
/// The certificate is checked by the caller, never here, and a failed probe never stops the node (an
/// outbound handshake Akka's transport refuses does).
/// </summary>
public static class CertificateProbe
{
    /// <summary>
    /// The certificate the listener at <paramref name="host"/>:<paramref name="port"/> presents to a
    /// client holding <paramref name="clientCertificate"/>, or the reason there is none (refused,
    /// timed out, not TLS, refused our certificate).
    /// </summary>
    public static async Task<(X509Certificate2? Certificate, X509Certificate2Collection? Chain, string? Failure)> ProbeAsync(
        string host, int port, X509Certificate2 clientCertificate, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(clientCertificate);
        using var cancel = new CancellationTokenSource(timeout);
        X509Certificate2? presented = null;
        X509Certificate2Collection? chain = null;
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, cancel.Token).ConfigureAwait(false);
            await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = host,
                ClientCertificates = [clientCertificate],
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                // taken, not judged: the caller checks it with PeerCertificatePolicy; copied, because
                // SslStream disposes what it hands the callback
                RemoteCertificateValidationCallback = (_, certificate, offered, _) =>
                {
                    presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    if (offered is not null)
                    {
                        chain = [.. offered.ChainElements.Skip(1).Select(e => X509CertificateLoader.LoadCertificate(e.Certificate.RawData))];
                    }

                    return true;
                },
            };
            await tls.AuthenticateAsClientAsync(options, cancel.Token).ConfigureAwait(false);
            return (presented, chain, presented is null ? "the listener presented no certificate" : null);
        }
        catch (OperationCanceledException)
        {
            return (presented, chain, $"no TLS handshake within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException)
        {
            // a listener that refused our certificate still showed its own first
            return (presented, chain, presented is null ? e.Message : null);
        }
    }
}
