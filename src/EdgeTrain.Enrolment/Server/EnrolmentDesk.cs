using System.Security.Cryptography.X509Certificates;
using EdgeTrain.Core;
using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Enrolment.Server;

/// <summary>
/// The enrolment listener's decisions, apart from gRPC and Kestrel: checks a join token and a signing request,
/// issues the node certificate with the cluster's CA, has the enrolment recorded in the audit log, and only
/// then lets the certificate go. Every check that can fail runs before anything is written: the token is
/// verified (CA, signature, expiry, roles) and the certificate made in memory before the token is used up,
/// and a token whose enrolment the audit log did not take is given back (<see cref="CertificateAuthority.ReturnToken"/>).
/// </summary>
public sealed class EnrolmentDesk
{
    private static readonly System.Security.Cryptography.Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private readonly CertificateAuthority ca;
    private readonly TimeSpan validity;
    private readonly Func<EnrolmentRecord, CancellationToken, Task<string?>> record;
    private readonly TimeProvider time;

    /// <summary>Creates the desk.</summary>
    /// <param name="ca">The cluster's CA.</param>
    /// <param name="validity">How long issued certificates are valid.</param>
    /// <param name="record">Records an enrolment in the audit log: null when recorded, else why not.</param>
    /// <param name="time">The clock (the system's when null).</param>
    public EnrolmentDesk(CertificateAuthority ca, TimeSpan validity, Func<EnrolmentRecord, CancellationToken, Task<string?>> record, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentNullException.ThrowIfNull(record);
        this.ca = ca;
        this.validity = validity;
        this.record = record;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>The CA's certificate.</summary>
    public X509Certificate2 Ca => ca.Certificate;

    /// <summary>
    /// Enrols a node: <paramref name="tokenText"/> must be a valid, unused token of this CA that grants every role
    /// of <paramref name="roles"/> (none: the token's roles), <paramref name="signingRequest"/> a PKCS#10 request
    /// whose signature verifies.
    /// </summary>
    /// <exception cref="EnrolmentRefusal">any of that fails, or the audit log did not take the entry.</exception>
    public async Task<EnrolmentGrant> EnrolAsync(string tokenText, ReadOnlyMemory<byte> signingRequest, IReadOnlyList<string> roles, string peer, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(tokenText);
        ArgumentNullException.ThrowIfNull(roles);
        JoinToken token;
        try
        {
            token = ca.VerifyToken(tokenText);
        }
        catch (InvalidInputException e)
        {
            throw EnrolmentRefusal.OfToken(e);
        }

        IReadOnlyList<string> granted = token.Roles;
        if (roles.Count > 0)
        {
            string[] requested;
            try
            {
                requested = ClusterRoles.Validate(roles, $"join token {token.Id}", "roles");
            }
            catch (InvalidInputException e)
            {
                throw new EnrolmentRefusal(EnrolmentProblem.RolesNotGranted, $"{EnrolmentRefusal.Describe(EnrolmentProblem.RolesNotGranted)}: {e.Message}", e);
            }

            var beyond = requested.Where(r => !token.Roles.Contains(r, StringComparer.Ordinal)).ToArray();
            if (beyond.Length > 0)
            {
                throw new EnrolmentRefusal(EnrolmentProblem.RolesNotGranted,
                    $"{EnrolmentRefusal.Describe(EnrolmentProblem.RolesNotGranted)}: join token {token.Id} does not grant {string.Join(", ", beyond)}; it grants {string.Join(", ", token.Roles)}");
            }

            granted = requested;
        }

        // made in memory: a request that does not pass leaves the token unused
        using var certificate = Issue(signingRequest.Span, granted, $"certificate request from {peer}");
        try
        {
            token = ca.RedeemToken(tokenText, granted);
        }
        catch (InvalidInputException e)
        {
            throw EnrolmentRefusal.OfToken(e);
        }

        var entry = Record(AuditActions.NodeEnrol, certificate, token.Id, peer);
        var problem = await RecordAsync(entry, cancellation).ConfigureAwait(false);
        if (problem is not null)
        {
            ca.ReturnToken(token);
            throw new EnrolmentRefusal(EnrolmentProblem.NotRecorded,
                $"{EnrolmentRefusal.Describe(EnrolmentProblem.NotRecorded)}: the enrolment is not in the cluster's audit log ({problem}); no certificate was issued and join token {token.Id} is still unused — try again");
        }

        return Grant(certificate, entry);
    }

    /// <summary>
    /// Renews the certificate of the node that connected with <paramref name="current"/>: it must be a node
    /// certificate of this CA, valid now and not revoked, and <paramref name="signingRequest"/> must be for its
    /// key and name its node id. The new certificate grants the same roles.
    /// </summary>
    /// <exception cref="EnrolmentRefusal">any of that fails, or the audit log did not take the entry.</exception>
    public async Task<EnrolmentGrant> RenewAsync(X509Certificate2? current, ReadOnlyMemory<byte> signingRequest, string peer, CancellationToken cancellation)
    {
        var nodeId = Authenticate(current, peer);
        var roles = NodeCertificates.RolesOf(current!);
        using var certificate = Issue(signingRequest.Span, roles, $"renewal request from {nodeId} ({peer})");
        if (!string.Equals(NodeCertificates.NodeIdOf(certificate), nodeId, StringComparison.Ordinal))
        {
            throw new EnrolmentRefusal(EnrolmentProblem.BadRequest,
                $"{EnrolmentRefusal.Describe(EnrolmentProblem.BadRequest)}: a renewal request must name the node of the client certificate, {nodeId}");
        }

        if (!certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(current!.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            throw new EnrolmentRefusal(EnrolmentProblem.BadRequest,
                $"{EnrolmentRefusal.Describe(EnrolmentProblem.BadRequest)}: a renewal request must be for the key of the client certificate of {nodeId}");
        }

        var entry = Record(AuditActions.NodeRenew, certificate, "", peer);
        var problem = await RecordAsync(entry, cancellation).ConfigureAwait(false);
        if (problem is not null)
        {
            throw new EnrolmentRefusal(EnrolmentProblem.NotRecorded,
                $"{EnrolmentRefusal.Describe(EnrolmentProblem.NotRecorded)}: the renewal is not in the cluster's audit log ({problem}); no certificate was issued — try again");
        }

        return Grant(certificate, entry);
    }

    // the client certificate's node id when it is a valid, unrevoked node certificate of this CA
    private string Authenticate(X509Certificate2? current, string peer)
    {
        const EnrolmentProblem unauthenticated = EnrolmentProblem.NotAuthenticated;
        if (current is null)
        {
            throw new EnrolmentRefusal(unauthenticated, $"{EnrolmentRefusal.Describe(unauthenticated)}: {peer} sent no client certificate; renewal needs the node's current certificate (enrol with a join token instead)");
        }

        var now = time.GetUtcNow();
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuth);
        if (!chain.Build(current))
        {
            var expired = chain.ChainStatus.Any(s => s.Status.HasFlag(X509ChainStatusFlags.NotTimeValid));
            var why = expired
                ? $"it expired at {JoinToken.Format(new DateTimeOffset(current.NotAfter.ToUniversalTime(), TimeSpan.Zero))}; enrol again with a new join token"
                : "it was not issued by this cluster's CA: " + string.Join("; ", chain.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation.Trim()}"));
            throw new EnrolmentRefusal(unauthenticated, $"{EnrolmentRefusal.Describe(unauthenticated)}: the client certificate {current.Subject} from {peer} is not accepted: {why}");
        }

        string nodeId;
        try
        {
            nodeId = NodeIds.Validate(NodeCertificates.NodeIdOf(current), current.Subject, "node id");
        }
        catch (InvalidInputException e)
        {
            throw new EnrolmentRefusal(unauthenticated, $"{EnrolmentRefusal.Describe(unauthenticated)}: the client certificate names no node: {e.Message}", e);
        }

        if (ca.Revocations().Find(current.SerialNumber) is { } revocation)
        {
            throw new EnrolmentRefusal(EnrolmentProblem.Revoked, $"{EnrolmentRefusal.Describe(EnrolmentProblem.Revoked)}: {revocation}");
        }

        return nodeId;
    }

    private X509Certificate2 Issue(ReadOnlySpan<byte> signingRequest, IReadOnlyList<string> roles, string source)
    {
        try
        {
            return ca.Issue(signingRequest, roles, validity, source);
        }
        catch (InvalidInputException e)
        {
            throw new EnrolmentRefusal(EnrolmentProblem.BadRequest, $"{EnrolmentRefusal.Describe(EnrolmentProblem.BadRequest)}: {e.Message}", e);
        }
    }

    private async Task<string?> RecordAsync(EnrolmentRecord entry, CancellationToken cancellation)
    {
        try
        {
            return await record(entry, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            return e.Message;
        }
    }

    private static EnrolmentRecord Record(string action, X509Certificate2 certificate, string tokenId, string peer) =>
        new(action, NodeCertificates.NodeIdOf(certificate), certificate.SerialNumber, NodeCertificates.RolesOf(certificate), tokenId,
            new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero), peer);

    private EnrolmentGrant Grant(X509Certificate2 certificate, EnrolmentRecord entry) =>
        new(X509CertificateLoader.LoadCertificate(certificate.RawData), X509CertificateLoader.LoadCertificate(ca.Certificate.RawData), ca.Revocations(), entry);
}
