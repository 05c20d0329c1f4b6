namespace EdgeTrain.Core.Security;

/// <summary>
/// The cluster roles a node certificate can grant (<see cref="NodeCertificates.RolesExtension"/>) and a
/// join token can offer: <see cref="Seed"/>, <see cref="Params"/>, <see cref="Aggregator"/>,
/// <see cref="Trainer"/>, <see cref="Gateway"/> and <see cref="Client"/>. Role names are exact (lower case); anything else is
/// refused, naming the unknown role and the known ones.
/// </summary>
public static class ClusterRoles
{
    /// <summary>A seed node: hosts the coordinator, the console, the ops host and the enrolment endpoint.</summary>
    public const string Seed = "seed";

    /// <summary>Hosts parameter shards.</summary>
    public const string Params = "params";

    /// <summary>Hosts region aggregators.</summary>
    public const string Aggregator = "aggregator";

    /// <summary>Hosts trainers.</summary>
    public const string Trainer = "trainer";

    /// <summary>Carries devices that can only dial out and stands in for them.</summary>
    public const string Gateway = "gateway";

    /// <summary>
    /// A command-line client of the cluster (<c>edgetrain submit</c>, <c>status</c>, <c>audit verify</c>, the
    /// demo's live view): it reaches the coordinator through the seeds' receptionist and is never a member
    /// (the membership guard downs a member whose certificate grants nothing else).
    /// </summary>
    public const string Client = "client";

    private static readonly string[] Known = [Seed, Params, Aggregator, Trainer, Gateway, Client];
    private static readonly string[] JoinDefault = [Params, Aggregator, Trainer];

    /// <summary>Every role, in the order they are shown.</summary>
    public static IReadOnlyList<string> All => Known;

    /// <summary>
    /// The roles a join token grants unless told otherwise: <see cref="Params"/>, <see cref="Aggregator"/>
    /// and <see cref="Trainer"/>. <see cref="Seed"/> and <see cref="Gateway"/> are granted only when asked for.
    /// </summary>
    public static IReadOnlyList<string> DefaultJoinRoles => JoinDefault;

    /// <summary>True when <paramref name="roles"/> hold a role that lets a node be a member (any but <see cref="Client"/>).</summary>
    public static bool AllowsMembership(IEnumerable<string> roles) => roles.Any(r => IsKnown(r) && r != Client);

    /// <summary>True when <paramref name="role"/> is a known role.</summary>
    public static bool IsKnown(string? role) => role is not null && Array.IndexOf(Known, role) >= 0;

    /// <summary>
    /// <paramref name="roles"/> checked and put in order: without duplicates, in the order of <see cref="All"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">a role is unknown (naming it), or there is none.</exception>
    public static string[] Validate(IEnumerable<string> roles, string source, string key)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var given = roles.Select(r => r.Trim()).Where(r => r.Length > 0).ToArray();
        var unknown = given.Where(r => !IsKnown(r)).Distinct(StringComparer.Ordinal).ToArray();
        if (unknown.Length > 0)
        {
            var names = string.Join(", ", unknown.Select(r => $"'{r}'"));
            throw new InvalidInputException(source, key, $"unknown role{(unknown.Length > 1 ? "s" : "")} {names}; expected some of {string.Join(", ", Known)}");
        }

        if (given.Length == 0)
        {
            throw new InvalidInputException(source, key, $"expected at least one role of {string.Join(", ", Known)}");
        }

        return [.. Known.Where(given.Contains)];
    }
}
