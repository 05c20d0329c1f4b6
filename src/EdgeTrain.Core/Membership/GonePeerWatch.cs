using System.Collections.Immutable;

namespace EdgeTrain.Core.Membership;

/// <summary>What a plain TCP connection attempt to a member's remoting port found.</summary>
public enum ProbeResult
{
    /// <summary>The member's host answered and refused the connection: nothing listens on the port.</summary>
    Refused,

    /// <summary>The connection was accepted: something listens (a process that is alive, even if slow or frozen).</summary>
    Accepted,

    /// <summary>No answer within the probe's timeout (a lost network, a host that is off, a full accept queue).</summary>
    TimedOut,

    /// <summary>Any other error (no route, the name does not resolve): says nothing about the process.</summary>
    Failed,
}

/// <summary>What <see cref="GonePeerWatch"/> asks its actor to do after a probe.</summary>
public enum ProbeDecision
{
    /// <summary>Nothing: the member stays, and the failure detector and split brain resolver decide as usual.</summary>
    Keep,

    /// <summary>Down the member now: its host says no process listens where it was.</summary>
    Down,
}

/// <summary>
/// Decides when a member whose connection dropped is probed, and when a probe's answer is strong
/// enough to down it at once. Only a refusal counts: the member's host answered, and nothing listens on
/// the port its ActorSystem listened on, so that process is gone (a killed or crashed node whose
/// machine is up). Silence — a timeout, a frozen or overloaded process whose kernel still accepts
/// connections, a lost network — never downs anyone here; the failure detector and the split brain
/// resolver handle it. Members that are leaving, exiting or down are never probed (they go their own
/// way), nor is this node itself. Immutable: every call returns the next watch and what to do.
/// </summary>
public sealed record GonePeerWatch
{
    /// <summary>An empty watch for the node at <paramref name="self"/> that probes one member at most every <paramref name="gap"/>.</summary>
    public GonePeerWatch(string self, TimeSpan gap)
    {
        ArgumentNullException.ThrowIfNull(self);
        Self = self;
        Gap = gap;
    }

    /// <summary>This node's address: never probed, never downed by itself.</summary>
    public string Self { get; }

    /// <summary>The shortest time between two probes of one member (remoting reports one loss several times).</summary>
    public TimeSpan Gap { get; }

    /// <summary>Members that may be probed and downed: joining, weakly up or up.</summary>
    public ImmutableHashSet<string> Members { get; init; } = ImmutableHashSet.Create<string>(StringComparer.Ordinal);

    /// <summary>Members with a probe under way, and when it started.</summary>
    public ImmutableDictionary<string, DateTime> Probing { get; init; } = ImmutableDictionary.Create<string, DateTime>(StringComparer.Ordinal);

    /// <summary>When each member's last probe ended.</summary>
    public ImmutableDictionary<string, DateTime> LastProbed { get; init; } = ImmutableDictionary.Create<string, DateTime>(StringComparer.Ordinal);

    /// <summary>Members this watch decided to down (never twice).</summary>
    public ImmutableHashSet<string> Downed { get; init; } = ImmutableHashSet.Create<string>(StringComparer.Ordinal);

    /// <summary>A member that may be probed: joining, weakly up or up.</summary>
    public GonePeerWatch Joined(string address) =>
        address == Self ? this : this with { Members = Members.Add(address) };

    /// <summary>A member left, exited, was downed or removed: it is no longer probed.</summary>
    public GonePeerWatch Gone(string address) => this with
    {
        Members = Members.Remove(address),
        Probing = Probing.Remove(address),
        LastProbed = LastProbed.Remove(address),
        Downed = Downed.Remove(address),
    };

    /// <summary>
    /// Something suggests <paramref name="address"/> may be gone (its connection dropped, a connection
    /// to it failed, or it is unreachable): true when it should be probed now — a member, not this
    /// node, not downed already, with no probe under way and none ended within <see cref="Gap"/>.
    /// </summary>
    public (GonePeerWatch Next, bool Probe) Suspect(string address, DateTime nowUtc)
    {
        var probe = address != Self
            && Members.Contains(address)
            && !Downed.Contains(address)
            && !Probing.ContainsKey(address)
            && (!LastProbed.TryGetValue(address, out var last) || nowUtc - last >= Gap);
        return probe ? (this with { Probing = Probing.SetItem(address, nowUtc) }, true) : (this, false);
    }

    /// <summary>
    /// The probe of <paramref name="address"/> ended with <paramref name="result"/>: <see cref="ProbeDecision.Down"/>
    /// only for a refusal, of a member still probed-for that is not downed already.
    /// </summary>
    public (GonePeerWatch Next, ProbeDecision Decision) Probed(string address, ProbeResult result, DateTime nowUtc)
    {
        var probed = Probing.ContainsKey(address);
        var next = this with
        {
            Probing = Probing.Remove(address),
            LastProbed = Members.Contains(address) ? LastProbed.SetItem(address, nowUtc) : LastProbed,
        };
        if (!probed || result != ProbeResult.Refused || !Members.Contains(address) || Downed.Contains(address))
        {
            return (next, ProbeDecision.Keep);
        }

        return (next with { Downed = Downed.Add(address) }, ProbeDecision.Down);
    }
}
