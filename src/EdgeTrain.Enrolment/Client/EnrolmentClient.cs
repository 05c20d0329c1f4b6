using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;
using EdgeTrain.Enrolment.Protocol;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeTrain.Enrolment.Client;

/// <summary>
/// A node's side of enrolment: makes the node's key (ECDSA P-256; it never leaves the node) and a signing
/// request, talks to the enrolment endpoint over TLS that trusts only the CA the token pins
/// (<see cref="PinnedServerCheck"/>), checks what comes back, and writes the identity folder. Renewal goes
/// over mutual TLS with the node's current certificate and replaces the certificate (same key). Every failure
/// is an <see cref="InvalidInputException"/> that names the problem: bad token, pin mismatch (expected and
/// seen), endpoint unreachable, refused (with the endpoint's reason).
/// </summary>
public sealed class EnrolmentClient(EnrolmentSettings settings, TimeProvider? time = null)
{
    private const int MaxReplySize = 64 * 1024 * 1024;
    private const string Source = "enrolment";
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    /// <summary>
    /// Enrols with <paramref name="tokenText"/> at <paramref name="endpoint"/> (null: the token's, else
    /// <see cref="EnrolmentEndpoint.OfSeed"/> of <paramref name="seed"/>) and writes <paramref name="folder"/>.
    /// </summary>
    /// <param name="tokenText">The join token's text.</param>
    /// <param name="folder">The identity folder to write.</param>
    /// <param name="seed">The seed's <c>HOST:PORT</c>, where to enrol when the token names no endpoint (may be null).</param>
    /// <param name="roles">Roles to ask for (none: every role the token grants).</param>
    /// <param name="endpoint">Where to enrol instead (null: the token's or the seed's).</param>
    /// <param name="cancellation">Stops waiting.</param>
    /// <returns>The identity as written.</returns>
    /// <exception cref="InvalidInputException">the token is not one, the endpoint is not the pinned CA's, cannot be reached, or refused.</exception>
    public async Task<NodeIdentity> EnrolAsync(string tokenText, IdentityFolder folder, string? seed, IReadOnlyList<string> roles, Uri? endpoint = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(tokenText);
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(roles);
        var token = JoinToken.Parse(tokenText);
        var target = endpoint ?? EnrolmentEndpoint.For(token, seed, settings.Port);

        // 1. the CA certificate over a probe connection (nothing secret sent), checked against the pin
        using var ca = await FetchCaAsync(target, token.CaPin, cancellation).ConfigureAwait(false);

        // 2. the token, over a connection whose server certificate chains to that CA
        using var key = SigningRequests.NewKey();
        var request = new EnrolRequest { Token = tokenText.Trim(), CsrDer = ByteString.CopyFrom(SigningRequests.Create(key, null)) };
        request.Roles.AddRange(roles);
        var check = PinnedServerCheck.Pinned(token.CaPin, ca, clock);
        var reply = await CallAsync(target, check, null, (client, options) => client.EnrolAsync(request, options).ResponseAsync, cancellation).ConfigureAwait(false);
        var identity = Store(reply, key, folder, token.CaPin, target);
        return identity;
    }

    /// <summary>
    /// Renews the certificate in <paramref name="folder"/> at <paramref name="endpoint"/>: a request for the same
    /// key naming the same node, sent over mutual TLS with the current certificate; the server must chain to the
    /// CA in the folder. The new certificate replaces the old one (written beside, then renamed).
    /// </summary>
    /// <returns>The renewed identity.</returns>
    /// <exception cref="InvalidInputException">the folder is not readable, the endpoint cannot be reached, is not the CA's, or refused.</exception>
    public async Task<NodeIdentity> RenewAsync(IdentityFolder folder, Uri endpoint, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(endpoint);
        using var current = folder.Read();
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(folder.KeyPath));
        var pin = CaPin.Of(current.Ca);
        var request = new RenewRequest { CsrDer = ByteString.CopyFrom(SigningRequests.Create(key, current.NodeId)) };
        var check = PinnedServerCheck.Pinned(pin, current.Ca, clock);
        var reply = await CallAsync(endpoint, check, current.Certificate, (client, options) => client.RenewAsync(request, options).ResponseAsync, cancellation).ConfigureAwait(false);
        var renewed = Store(reply, key, folder, pin, endpoint);
        if (renewed.NodeId != current.NodeId)
        {
            throw new InvalidInputException(Source, endpoint.OriginalString, $"the renewed certificate names {renewed.NodeId}, not {current.NodeId}");
        }

        return renewed;
    }

    private async Task<X509Certificate2> FetchCaAsync(Uri endpoint, CaPin pin, CancellationToken cancellation)
    {
        var probe = PinnedServerCheck.Probe(clock);
        var reply = await CallAsync(endpoint, probe, null, (client, options) => client.GetCaAsync(new CaRequest(), options).ResponseAsync, cancellation).ConfigureAwait(false);
        X509Certificate2 ca;
        try
        {
            ca = X509CertificateLoader.LoadCertificate(reply.CaDer.Span);
        }
        catch (CryptographicException e)
        {
            throw new InvalidInputException(Source, endpoint.OriginalString, $"the endpoint sent no CA certificate that parses: {e.Message}", e);
        }

        if (!pin.Matches(ca))
        {
            var seen = CaPin.Of(ca);
            ca.Dispose();
            throw new InvalidInputException(Source, endpoint.OriginalString,
                $"CA pin mismatch: the token expects a CA with pin {pin}, the endpoint's CA has {seen}; this endpoint is not the token's cluster (wrong --seed or endpoint, or an impostor) — nothing was sent");
        }

        using var server = probe.Seen;
        var trusted = server is null ? null : pin.Check(server, [ca], clock.GetUtcNow());
        trusted?.Ca?.Dispose();
        if (trusted is not { IsTrusted: true })
        {
            ca.Dispose();
            throw new InvalidInputException(Source, endpoint.OriginalString,
                $"CA pin mismatch: the token expects pin {pin}; {trusted?.Why ?? "the endpoint presented no certificate"} — nothing was sent");
        }

        return ca;
    }

    private async Task<T> CallAsync<T>(Uri endpoint, PinnedServerCheck check, X509Certificate2? clientCertificate, Func<Protocol.Enrolment.EnrolmentClient, CallOptions, Task<T>> call, CancellationToken cancellation)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = check.Validate,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (clientCertificate is not null)
        {
            ssl.ClientCertificates = [clientCertificate];
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        using var handler = new SocketsHttpHandler { ConnectTimeout = settings.RequestTimeout, SslOptions = ssl };
        using var channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true, MaxReceiveMessageSize = MaxReplySize, MaxSendMessageSize = 64 * 1024 });
        var client = new Protocol.Enrolment.EnrolmentClient(channel);
        var options = new CallOptions(deadline: DateTime.UtcNow + settings.RequestTimeout, cancellationToken: cancellation);
        try
        {
            return await call(client, options).ConfigureAwait(false);
        }
        catch (RpcException e) when (check.Refusal is not null)
        {
            throw new InvalidInputException(Source, endpoint.OriginalString, $"CA pin mismatch: {check.Refusal} — nothing was sent", e);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && !IsAnswer(e))
        {
            var why = e.Status.DebugException?.GetBaseException().Message ?? e.Status.Detail;
            throw new InvalidInputException(Source, endpoint.OriginalString,
                $"cannot reach the enrolment endpoint ({(e.StatusCode == StatusCode.DeadlineExceeded ? $"no answer within {settings.RequestTimeout.TotalSeconds:0} s" : why)}); is the seed running with --ca, and its enrolment port ({settings.Port} unless --enroll-port) open?", e);
        }
        catch (RpcException e)
        {
            throw new InvalidInputException(Source, endpoint.OriginalString, $"refused: {e.Status.Detail} ({e.StatusCode})", e);
        }
    }

    // an Unavailable that the service itself sent (the audit log did not take the entry) carries its own words
    private static bool IsAnswer(RpcException e) => e.Status.DebugException is null && e.Status.Detail.StartsWith("not recorded", StringComparison.Ordinal);

    private NodeIdentity Store(EnrolReply reply, ECDsa key, IdentityFolder folder, CaPin pin, Uri endpoint)
    {
        X509Certificate2 certificate, ca;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(reply.CertificateDer.Span);
            ca = X509CertificateLoader.LoadCertificate(reply.CaDer.Span);
        }
        catch (CryptographicException e)
        {
            throw new InvalidInputException(Source, endpoint.OriginalString, $"the endpoint's answer holds a certificate that does not parse: {e.Message}", e);
        }

        using (certificate)
        using (ca)
        {
            if (!pin.Matches(ca))
            {
                throw new InvalidInputException(Source, endpoint.OriginalString, $"CA pin mismatch: the answer's CA has pin {CaPin.Of(ca)}, expected {pin}");
            }

            if (!certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new InvalidInputException(Source, endpoint.OriginalString, "the certificate sent back is not for this node's key");
            }

            var revocations = RevocationList.FromBytes(reply.RevocationList.Span, ca, $"{Source} {endpoint.OriginalString}");
            folder.Write(certificate, key, ca);
            folder.WriteRevocations(revocations);
            EnrolmentEndpoint.Remember(folder, endpoint);
        }

        // read back as every later start reads it: key 0600, issued by the CA
        return folder.Read();
    }
}
