using System.Collections.Immutable;
using EdgeTrain.Actors.Security;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Actors.Membership;

/// <summary>A cluster member as the membership guard knows it.</summary>
/// <param name="Address">Its cluster address.</param>
/// <param name="Listener">Its advertised <c>HOST:PORT</c>, where its certificate is looked for.</param>
/// <param name="Uid">Its incarnation.</param>
/// <param name="Roles">The roles it claims (<c>Member.Roles</c>).</param>
/// <param name="Since">When the guard first saw this incarnation.</param>
public sealed record GuardedMember(string Address, string Listener, long Uid, IReadOnlyList<string> Roles, DateTimeOffset Since);

/// <summary>What the guard decided about a member.</summary>
public abstract record GuardDecision(string Address);

/// <summary>Open a TLS connection to the member's advertised address to learn its certificate.</summary>
/// <param name="Address">The member.</param>
/// <param name="Listener">Its <c>HOST:PORT</c>.</param>
public sealed record ProbeMember(string Address, string Listener) : GuardDecision(Address);

/// <summary>Down the member.</summary>
/// <param name="Address">The member.</param>
/// <param name="Uid">Its incarnation.</param>
/// <param name="Reason">Why, in words that name the member's certificate where there is one.</param>
public sealed record DownMember(string Address, long Uid, string Reason) : GuardDecision(Address);

/// <summary>What a revocation names: the certificate's serial and, when a member holds it, the member; or why it names nothing.</summary>
/// <param name="Serial">The certificate's serial number (upper-case hex), or null when refused.</param>
/// <param name="NodeId">The node its certificate names, when the guard has seen it.</param>
/// <param name="Member">The member holding it, if any.</param>
/// <param name="Refusal">Why nothing can be revoked, or null.</param>
public sealed record RevocationTarget(string? Serial, string? NodeId, string? Member, string? Refusal);

/// <summary>
/// The membership guard's decisions, without Akka: each member is bound to the certificate seen at its
/// advertised address (<see cref="PeerCertificateSeen"/> with a listener: an outbound handshake of this
/// node's transport, or the guard's own probe), and downed when that certificate is refused (revoked,
/// expired, another CA), does not grant every role the member claims (<c>seed</c> above all: only a
/// seed-granting certificate may host the coordinator), or cannot be learned within the bind timeout.
/// Immutable; time is passed in.
/// </summary>
/// <param name="Self">This node's address (never judged here: a node checks its own claims at start).</param>
/// <param name="Members">The members, by address.</param>
/// <param name="Bindings">The certificate seen at each advertised address, by <c>HOST:PORT</c>.</param>
/// <param name="Revoked">The revocation list.</param>
/// <param name="Downed">The incarnations already downed (<c>address#uid</c>), each downed once.</param>
public sealed record MembershipGuard(
    string Self,
    ImmutableDictionary<string, GuardedMember> Members,
    ImmutableDictionary<string, PeerCertificateSeen> Bindings,
    RevocationList Revoked,
    ImmutableHashSet<string> Downed)
{
    /// <summary>A guard on node <paramref name="self"/> that knows <paramref name="revoked"/>.</summary>
    public static MembershipGuard Create(string self, RevocationList revoked) =>
        new(self, ImmutableDictionary<string, GuardedMember>.Empty, ImmutableDictionary<string, PeerCertificateSeen>.Empty, revoked, []);

    /// <summary>A member joined (or changed status while it stays a member); a new incarnation replaces the old one.</summary>
    public MembershipGuard Joined(GuardedMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (member.Address == Self || (Members.TryGetValue(member.Address, out var known) && known.Uid == member.Uid))
        {
            return this;
        }

        // a new incarnation at the same address may hold another certificate
        var bindings = known is null ? Bindings : Bindings.Remove(known.Listener);
        return this with { Members = Members.SetItem(member.Address, member), Bindings = bindings };
    }

    /// <summary>A member was removed: its binding goes with it.</summary>
    public MembershipGuard Removed(string address) =>
        Members.TryGetValue(address, out var member)
            ? this with { Members = Members.Remove(address), Bindings = Bindings.Remove(member.Listener) }
            : this;

    /// <summary>A certificate seen at an advertised address (ignored without one).</summary>
    public MembershipGuard Seen(PeerCertificateSeen seen)
    {
        ArgumentNullException.ThrowIfNull(seen);
        return seen.Listener is null ? this : this with { Bindings = Bindings.SetItem(seen.Listener, seen) };
    }

    /// <summary>The revocation list changed.</summary>
    public MembershipGuard WithRevoked(RevocationList revoked) => this with { Revoked = revoked };

    /// <summary>The certificate bound to the member at <paramref name="address"/>, when it is accepted.</summary>
    public PeerCheck? CertificateOf(string address) =>
        Members.TryGetValue(address, out var member) && Bindings.TryGetValue(member.Listener, out var seen) && seen.Check.Serial is not null ? seen.Check : null;

    /// <summary>
    /// The certificate a revocation of <paramref name="target"/> names: a member's address
    /// (<c>HOST:PORT</c> or <c>akka.ssl.tcp://edgetrain@HOST:PORT</c>), whose certificate is the one this
    /// guard has bound to it, or a certificate serial number (hex), with the member that holds it if any.
    /// Refused, saying why, when no member listens at the address or its certificate has not been seen yet.
    /// </summary>
    public RevocationTarget Resolve(string? target)
    {
        if (string.IsNullOrWhiteSpace(target))
        {
            return Refused("no target: expected a member's address (HOST:PORT or akka.ssl.tcp://edgetrain@HOST:PORT) or a certificate serial number");
        }

        target = target.Trim();
        if (target.Contains('@', StringComparison.Ordinal) || (target.Contains(':', StringComparison.Ordinal) && !RevocationList.TryNormalize(target, out _)))
        {
            var listener = target.Contains("://", StringComparison.Ordinal) ? PeerCertificates.ListenerOf(target.Replace("akka.", "", StringComparison.Ordinal)) : target;
            if (listener == PeerCertificates.ListenerOf(Self.Replace("akka.", "", StringComparison.Ordinal)))
            {
                return Refused($"{listener} is this node; a node does not revoke its own certificate");
            }

            var found = Members.Values.FirstOrDefault(m => m.Listener == listener);
            if (found is null)
            {
                var known = Members.Values.Select(m => m.Listener).Order(StringComparer.Ordinal).ToList();
                return Refused($"no member of the cluster listens at {listener}{(known.Count == 0 ? "" : $" (members: {string.Join(", ", known)})")}; revoke a certificate that is not a member's by its serial number");
            }

            return CertificateOf(found.Address) is { } check
                ? new RevocationTarget(check.Serial, check.NodeId, found.Address, null)
                : Refused($"this node has not seen the certificate of {found.Address} yet; try again in a moment or revoke by serial number");
        }

        if (!RevocationList.TryNormalize(target, out var serial))
        {
            return Refused($"expected a member's address (HOST:PORT) or a certificate serial number in hex, found '{target}'");
        }

        var holder = Members.Values.FirstOrDefault(m => CertificateOf(m.Address)?.Serial == serial)?.Address;
        return new RevocationTarget(serial, holder is null ? null : CertificateOf(holder)?.NodeId, holder, null);

        static RevocationTarget Refused(string why) => new(null, null, null, why);
    }

    /// <summary>
    /// What to do about every member at <paramref name="now"/>: probe the ones without a certificate
    /// (down them after <paramref name="bindTimeout"/>), down those whose certificate is refused,
    /// revoked, expired or does not grant a role they claim.
    /// </summary>
    public (MembershipGuard Next, IReadOnlyList<GuardDecision> Decisions) Decide(DateTimeOffset now, TimeSpan bindTimeout)
    {
        var decisions = new List<GuardDecision>();
        var downed = Downed;
        foreach (var member in Members.Values.OrderBy(m => m.Address, StringComparer.Ordinal))
        {
            var incarnation = member.Address + "#" + member.Uid;
            if (downed.Contains(incarnation))
            {
                continue;
            }

            var reason = Judge(member, now, bindTimeout);
            if (reason is null)
            {
                if (!Bindings.ContainsKey(member.Listener))
                {
                    decisions.Add(new ProbeMember(member.Address, member.Listener));
                }

                continue;
            }

            decisions.Add(new DownMember(member.Address, member.Uid, reason));
            downed = downed.Add(incarnation);
        }

        return (this with { Downed = downed }, decisions);
    }

    // why the member must go, or null while it may stay (bound and fine, or not bound yet within the timeout)
    private string? Judge(GuardedMember member, DateTimeOffset now, TimeSpan bindTimeout)
    {
        if (!Bindings.TryGetValue(member.Listener, out var seen))
        {
            return now - member.Since >= bindTimeout
                ? $"no certificate could be seen at its address {member.Listener} within {bindTimeout.TotalSeconds:0.#} s"
                : null;
        }

        var check = seen.Check;
        if (!check.Accepted)
        {
            return $"the certificate at its address {member.Listener} is refused: {PeerCertificates.Describe(check.Reason)} ({check.Detail})";
        }

        if (Revoked.Find(check.Serial!) is { } revocation)
        {
            return $"its certificate {check.Serial} (node {check.NodeId}) was revoked at {revocation.RevokedAt:u}: {revocation.Reason}";
        }

        if (seen.NotAfter is { } end && now > end)
        {
            return $"its certificate {check.Serial} (node {check.NodeId}) expired at {end:u}";
        }

        if (!ClusterRoles.AllowsMembership(check.Roles))
        {
            return $"its certificate {check.Serial} (node {check.NodeId}) is a client certificate (it grants {string.Join(", ", check.Roles)}), which cannot make a member";
        }

        var ungranted = member.Roles.Where(r => !check.Roles.Contains(r, StringComparer.Ordinal)).ToList();
        return ungranted.Count > 0
            ? $"it claims the role(s) {string.Join(", ", ungranted)}, which its certificate {check.Serial} (node {check.NodeId}) does not grant (it grants {string.Join(", ", check.Roles)})"
            : null;
    }
}
