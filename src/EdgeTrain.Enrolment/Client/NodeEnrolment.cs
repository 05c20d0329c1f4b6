using EdgeTrain.Core;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Enrolment.Client;

/// <summary>
/// What <c>edgetrain-node</c> does about its identity before it joins: enrols with a join token when it has no
/// usable identity, reuses the identity it has (a token given anyway is not used), and renews a certificate
/// within <c>renew-before</c> of its expiry. A node with neither an identity nor a token is told how to get one.
/// </summary>
public sealed class NodeEnrolment(EnrolmentSettings settings, TextWriter output, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly EnrolmentClient client = new(settings, time);

    /// <summary>
    /// Makes sure <paramref name="folder"/> holds a usable identity.
    /// </summary>
    /// <param name="folder">The node's identity folder.</param>
    /// <param name="tokenText">The join token (null: none given).</param>
    /// <param name="seed">The first seed's <c>HOST:PORT</c> (where to enrol when the token names no endpoint).</param>
    /// <param name="roles">Roles to ask for (none: the token's).</param>
    /// <param name="cancellation">Stops waiting.</param>
    /// <returns>Null when there was nothing to do without a token and no identity (the caller decides), else the node id.</returns>
    /// <exception cref="InvalidInputException">enrolment failed, or the identity has expired and no token was given.</exception>
    public async Task<string?> PrepareAsync(IdentityFolder folder, string? tokenText, string? seed, IReadOnlyList<string> roles, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(roles);
        if (folder.Exists)
        {
            using var identity = folder.Read();
            var now = clock.GetUtcNow();
            if (!RenewalPolicy.IsExpired(identity.NotAfter, now))
            {
                if (tokenText is not null)
                {
                    await output.WriteLineAsync($"edgetrain-node: enrolled already as {identity.NodeId} ({folder.Path}); the join token was not used").ConfigureAwait(false);
                }

                if (RenewalPolicy.IsDue(identity.NotAfter, now, settings.RenewBefore))
                {
                    await TryRenewAsync(folder, seed, cancellation).ConfigureAwait(false);
                }

                return identity.NodeId;
            }

            if (tokenText is null)
            {
                throw new InvalidInputException(folder.CertificatePath, "expires",
                    $"this node's certificate ({identity.NodeId}) expired at {JoinToken.Format(identity.NotAfter)}; enrol again: edgetrain-node --enroll-file FILE with a new join token (edgetrain token create on the seed)");
            }

            await output.WriteLineAsync($"edgetrain-node: the certificate of {identity.NodeId} expired at {JoinToken.Format(identity.NotAfter)}; enrolling again with the join token").ConfigureAwait(false);
        }

        if (tokenText is null)
        {
            return null;
        }

        var started = clock.GetTimestamp();
        using var enrolled = await EnrolPatientlyAsync(tokenText, folder, seed, roles, cancellation).ConfigureAwait(false);
        await output.WriteLineAsync(
            $"edgetrain-node: enrolled as {enrolled.NodeId} (roles {string.Join(",", enrolled.Roles)}, valid until {JoinToken.Format(enrolled.NotAfter)}) in {clock.GetElapsedTime(started).TotalMilliseconds:0} ms; identity in {folder.Path}").ConfigureAwait(false);
        return enrolled.NodeId;
    }

    // an endpoint not up yet, or a coordinator not up to record the enrolment, is tried again for
    // edgetrain.enrolment.enrol-patience; every other failure is final at once
    private async Task<NodeIdentity> EnrolPatientlyAsync(string tokenText, IdentityFolder folder, string? seed, IReadOnlyList<string> roles, CancellationToken cancellation)
    {
        var started = clock.GetTimestamp();
        var pause = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                return await client.EnrolAsync(tokenText, folder, seed, roles, cancellation: cancellation).ConfigureAwait(false);
            }
            catch (InvalidInputException e) when (IsTransient(e) && clock.GetElapsedTime(started) + pause <= settings.EnrolPatience)
            {
                await output.WriteLineAsync($"edgetrain-node: enrolment not possible yet ({e.Message}); trying again in {pause.TotalSeconds:0} s").ConfigureAwait(false);
                await Task.Delay(pause, clock, cancellation).ConfigureAwait(false);
                pause = TimeSpan.FromSeconds(Math.Min(15, pause.TotalSeconds * 2));
            }
        }
    }

    /// <summary>True when <paramref name="e"/> says the endpoint could not be reached or was not ready (gRPC Unavailable or DeadlineExceeded), not that it refused.</summary>
    public static bool IsTransient(InvalidInputException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.InnerException is Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.DeadlineExceeded };
    }

    /// <summary>
    /// Renews the certificate in <paramref name="folder"/> at the endpoint that enrolled it (else its seed's host and
    /// the enrolment port). A failed renewal of a certificate still valid is reported, not thrown: the node
    /// runs on and tries again later.
    /// </summary>
    /// <returns>True when renewed.</returns>
    public async Task<bool> TryRenewAsync(IdentityFolder folder, string? seed, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var endpoint = EnrolmentEndpoint.Recall(folder) ?? EnrolmentEndpoint.OfSeed(seed, settings.Port);
        if (endpoint is null)
        {
            await output.WriteLineAsync("edgetrain-node: the certificate is due for renewal, but no enrolment endpoint is known (no --seed)").ConfigureAwait(false);
            return false;
        }

        try
        {
            using var renewed = await client.RenewAsync(folder, endpoint, cancellation).ConfigureAwait(false);
            await output.WriteLineAsync($"edgetrain-node: renewed the certificate of {renewed.NodeId} at {endpoint.OriginalString}, valid until {JoinToken.Format(renewed.NotAfter)}").ConfigureAwait(false);
            return true;
        }
        catch (InvalidInputException e)
        {
            await output.WriteLineAsync($"edgetrain-node: renewal failed, trying again later: {e.Message}").ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>
    /// Looks at the certificate every <c>renew-check-interval</c> while the node runs and renews it when due,
    /// until <paramref name="cancellation"/>.
    /// </summary>
    public async Task RenewWhileRunningAsync(IdentityFolder folder, string? seed, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(folder);
        using var timer = new PeriodicTimer(settings.RenewCheckInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellation).ConfigureAwait(false))
            {
                if (!folder.Exists)
                {
                    continue;
                }

                DateTimeOffset notAfter;
                try
                {
                    using var identity = folder.Read();
                    notAfter = identity.NotAfter;
                }
                catch (InvalidInputException e)
                {
                    await output.WriteLineAsync($"edgetrain-node: cannot read the identity to check its expiry: {e.Message}").ConfigureAwait(false);
                    continue;
                }

                if (RenewalPolicy.IsDue(notAfter, clock.GetUtcNow(), settings.RenewBefore) && !RenewalPolicy.IsExpired(notAfter, clock.GetUtcNow()))
                {
                    await TryRenewAsync(folder, seed, cancellation).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the node stops
        }
    }
}
