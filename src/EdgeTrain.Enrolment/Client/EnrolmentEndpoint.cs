using System.Globalization;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Enrolment.Client;

/// <summary>
/// Where a node enrols and renews: the endpoint its join token names, else <c>https://</c> its seed's host and
/// the enrolment port. The endpoint that enrolled a node is kept beside its identity (<see cref="FileName"/>),
/// so that later renewals go where the enrolment went.
/// </summary>
public static class EnrolmentEndpoint
{
    /// <summary>The file in the identity folder that keeps the endpoint (one line, the URL).</summary>
    public const string FileName = "enrolment-endpoint";

    /// <summary>
    /// The endpoint to enrol at: <paramref name="token"/>'s, else <c>https://HOST:</c><paramref name="port"/> for the
    /// host of <paramref name="seed"/> (<c>HOST:PORT</c>, a cluster seed's remoting address).
    /// </summary>
    /// <exception cref="InvalidInputException">neither says where (no endpoint in the token, no seed).</exception>
    public static Uri For(JoinToken token, string? seed, int port)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Endpoint is not null)
        {
            return token.Endpoint;
        }

        return OfSeed(seed, port)
            ?? throw new InvalidInputException("command line", "--seed", $"join token {token.Id} names no enrolment endpoint; give the seed as --seed HOST:PORT (the node enrols at HOST:{port})");
    }

    /// <summary><c>https://HOST:</c><paramref name="port"/> for <paramref name="seed"/> (<c>HOST:PORT</c>), or null without a seed.</summary>
    /// <exception cref="InvalidInputException">the seed is not <c>HOST:PORT</c>.</exception>
    public static Uri? OfSeed(string? seed, int port)
    {
        if (string.IsNullOrWhiteSpace(seed))
        {
            return null;
        }

        var colon = seed.LastIndexOf(':');
        var host = colon > 0 ? seed[..colon] : throw new InvalidInputException("command line", "--seed", $"expected HOST:PORT, found '{seed}'");
        host = host.Trim('[', ']');
        var shown = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"https://{shown}:{port}"));
    }

    /// <summary>Keeps <paramref name="endpoint"/> in <paramref name="folder"/>.</summary>
    public static void Remember(IdentityFolder folder, Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(endpoint);
        var path = Path.Combine(folder.Path, FileName);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, endpoint.OriginalString + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The endpoint kept in <paramref name="folder"/>, or null when none is (or it is not an https URL).</summary>
    public static Uri? Recall(IdentityFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder.Path, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JoinToken.ParseEndpoint(File.ReadAllText(path).Trim(), path, "endpoint");
        }
        catch (InvalidInputException)
        {
            return null;
        }
    }
}
