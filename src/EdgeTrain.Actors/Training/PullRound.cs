using System.Collections.Immutable;

namespace EdgeTrain.Actors.Training;

/// <summary>One <c>PullSlice</c> a <see cref="PullRound"/> asks its trainer to send.</summary>
/// <param name="Slice">The slice to ask for.</param>
/// <param name="HaveVersion">The version the trainer's copy is at (-1: none; the shard answers with the whole slice).</param>
public readonly record struct SliceAsk(int Slice, long HaveVersion);

/// <summary>What a trainer does with a reply to one of its pulls, as <see cref="PullRound"/> decides.</summary>
public enum PullVerdict
{
    /// <summary>
    /// Leave the copy alone: no round is under way, the slice is done for this round already (a
    /// duplicate), or the reply is for another version than the copy holds (a late answer to an
    /// earlier ask; the answer to the current one is still coming, or the pull timeout asks again).
    /// </summary>
    Ignore,

    /// <summary>Take the reply into the copy: the slice is done for this round, other slices are still outstanding.</summary>
    Settled,

    /// <summary>Take the reply into the copy: it was the round's last slice, so train now and begin the next round.</summary>
    Complete,

    /// <summary>
    /// Take the reply into the copy, and ask for the slice again after the merge-wait poll
    /// (<c>edgetrain.training.merge-wait-poll</c>): with <c>wait-for-merge</c>, the slice has not yet
    /// taken one merged update per region since the version this trainer last contributed from.
    /// </summary>
    AwaitMerge,

    /// <summary>Nothing to take (the slice is not ready on its shard): ask again after <c>edgetrain.training.not-ready-retry</c>.</summary>
    RetryLater,
}

/// <summary>
/// The pull side of a trainer's loop, as a pure state: which slices to ask for and with which
/// version, which replies to take into the trainer's copy of the parameters, when the round is
/// complete (every slice answered, so the trainer trains), what to ask again on a timeout, the
/// versions its last contribution was computed from, and the shortest measured round trip to the
/// shards. Immutable: every call returns the next state and what to do; time comes in as an argument
/// (a monotonic clock's elapsed time, any origin) and is never read here. The trainer actor only sends,
/// schedules and trains.
/// </summary>
/// <remarks>
/// <para>
/// The shards' replies carry no round: a reply is matched by its slice and versions. Within a round a
/// slice takes the first reply that fits the version its copy is at — a whole slice (<c>SliceData</c>,
/// whatever its version: the shard's state is the truth, even one that went back after losing an
/// update it had not persisted), the changes since exactly that version (<c>SliceChanges</c>), or
/// "unchanged" at exactly that version — and ignores every other reply until the next round begins.
/// </para>
/// <para>
/// With <see cref="WaitForMerge"/> (synchronous rounds), a slice whose copy has not moved
/// <see cref="Regions"/> versions past the version this trainer contributed from is asked again
/// (<see cref="PullVerdict.AwaitMerge"/>) until it has, or until <see cref="PullTimeout"/> after the
/// round began: a merge that never comes must not stop training.
/// </para>
/// <para>
/// Round trip: the time from a slice's <c>PullSlice</c> to its <c>SliceUnchanged</c> (a reply without
/// payload, so it measures the link and the shard, not the bandwidth). A slice is asked again only
/// after its reply came, so a reply answers the slice's last ask — except after a pull timeout, whose
/// second ask may be answered by the first ask's late reply: a slice asked again on a timeout measures
/// nothing for four pull timeouts (a reply later than that is presumed lost).
/// </para>
/// </remarks>
public sealed record PullRound
{
    /// <summary>
    /// A trainer's pull state for <paramref name="slices"/> slices, none held yet, no round begun.
    /// <paramref name="regions"/>: merged updates a slice takes per round (one per region) with
    /// <paramref name="waitForMerge"/>; <paramref name="pullTimeout"/>: how long a round waits for
    /// merges at most (and the base of the lost-ask rule).
    /// </summary>
    public PullRound(int slices, int regions, bool waitForMerge, TimeSpan pullTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slices);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(regions);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pullTimeout, TimeSpan.Zero);
        Slices = slices;
        Regions = regions;
        WaitForMerge = waitForMerge;
        PullTimeout = pullTimeout;
        Versions = ImmutableArray.CreateRange(Enumerable.Repeat(-1L, slices));
        ContributedFrom = Versions;
        Received = ImmutableArray.CreateRange(Enumerable.Repeat(false, slices));
        AskedAt = ImmutableArray.CreateRange(Enumerable.Repeat(TimeSpan.Zero, slices));
        DoubtUntil = ImmutableArray.CreateRange(Enumerable.Repeat(TimeSpan.MinValue, slices));
    }

    /// <summary>The number of slices.</summary>
    public int Slices { get; }

    /// <summary>The job's regions: merged updates a slice takes per round with <see cref="WaitForMerge"/> (one per region).</summary>
    public int Regions { get; init; }

    /// <summary>Synchronous rounds: a round waits until each slice took the merged updates of the trainers' last contributions.</summary>
    public bool WaitForMerge { get; init; }

    /// <summary>How long a round waits for merges at most, counted from its beginning.</summary>
    public TimeSpan PullTimeout { get; init; }

    /// <summary>The current round's number: 0 before the first, then 1, 2, … (the trainer's timers carry it).</summary>
    public int Round { get; private init; }

    /// <summary>When the current round began.</summary>
    public TimeSpan StartedAt { get; private init; }

    /// <summary>The version of each slice in the trainer's copy (-1: none yet).</summary>
    public ImmutableArray<long> Versions { get; private init; }

    /// <summary>The version each slice's last contribution was computed from (-1: none yet).</summary>
    public ImmutableArray<long> ContributedFrom { get; private init; }

    /// <summary>Which slices are done for the current round.</summary>
    public ImmutableArray<bool> Received { get; private init; }

    /// <summary>Slices the current round still waits for (0 once it is complete).</summary>
    public int Outstanding { get; private init; }

    /// <summary>True once every slice of a begun round is done: the trainer may train.</summary>
    public bool IsComplete => Round > 0 && Outstanding == 0;

    /// <summary>The shortest round trip measured since <see cref="RoundTripTaken"/> (null: none).</summary>
    public TimeSpan? ShortestRoundTrip { get; private init; }

    private ImmutableArray<TimeSpan> AskedAt { get; init; }

    // until when a slice's replies may answer an earlier ask than its last (after a timeout's second ask)
    private ImmutableArray<TimeSpan> DoubtUntil { get; init; }

    /// <summary>Begins the next round at <paramref name="now"/>: every slice is asked for, with the version its copy is at.</summary>
    public (PullRound Next, ImmutableArray<SliceAsk> Asks) Begin(TimeSpan now)
    {
        var next = this with
        {
            Round = Round + 1,
            StartedAt = now,
            Received = ImmutableArray.CreateRange(Enumerable.Repeat(false, Slices)),
            Outstanding = Slices,
        };
        var asks = ImmutableArray.CreateBuilder<SliceAsk>(Slices);
        for (var slice = 0; slice < Slices; slice++)
        {
            next = next.Asked(slice, now);
            asks.Add(new SliceAsk(slice, next.Versions[slice]));
        }

        return (next, asks.MoveToImmutable());
    }

    /// <summary>
    /// The whole of <paramref name="slice"/> arrived at <paramref name="version"/>: taken by a slice
    /// not yet done this round, whatever the version (the copy is then at <paramref name="version"/>).
    /// </summary>
    public (PullRound Next, PullVerdict Verdict) Data(int slice, long version, TimeSpan now)
    {
        if (!InRange(slice))
        {
            return (this, PullVerdict.Ignore);
        }

        return Open(slice) ? Settle(slice, version, now) : (this, PullVerdict.Ignore);
    }

    /// <summary>
    /// What changed in <paramref name="slice"/> from <paramref name="fromVersion"/> to
    /// <paramref name="version"/>: taken only when the copy is at <paramref name="fromVersion"/> (the
    /// changes apply to nothing else). A trainer that cannot apply a taken reply's payload keeps this
    /// state and calls <see cref="Unusable"/> instead.
    /// </summary>
    public (PullRound Next, PullVerdict Verdict) Changes(int slice, long fromVersion, long version, TimeSpan now)
    {
        if (!InRange(slice))
        {
            return (this, PullVerdict.Ignore);
        }

        return Open(slice) && fromVersion == Versions[slice] ? Settle(slice, version, now) : (this, PullVerdict.Ignore);
    }

    /// <summary>
    /// <paramref name="slice"/> is still at <paramref name="version"/> on its shard: done when that is the
    /// copy's version (otherwise it answers an earlier ask). Measures the round trip from the slice's
    /// last ask, unless a timeout asked for the slice within the last four pull timeouts.
    /// </summary>
    public (PullRound Next, PullVerdict Verdict) Unchanged(int slice, long version, TimeSpan now)
    {
        if (!InRange(slice))
        {
            return (this, PullVerdict.Ignore);
        }

        var next = this;
        var trip = now - AskedAt[slice];
        if (now >= DoubtUntil[slice] && trip >= TimeSpan.Zero && (ShortestRoundTrip is not { } shortest || trip < shortest))
        {
            next = this with { ShortestRoundTrip = trip };
        }

        return next.Open(slice) && version == Versions[slice] ? next.Settle(slice, version, now) : (next, PullVerdict.Ignore);
    }

    /// <summary><paramref name="slice"/> is not ready on its shard (being created or recovered): asked again later unless done.</summary>
    public (PullRound Next, PullVerdict Verdict) NotReady(int slice, TimeSpan now)
    {
        if (!InRange(slice))
        {
            return (this, PullVerdict.Ignore);
        }

        return (this, Open(slice) ? PullVerdict.RetryLater : PullVerdict.Ignore);
    }

    /// <summary>
    /// A reply that was taken could not be applied (a malformed payload): the whole slice is asked for
    /// (null when the slice is done or no round is under way). Call it on the state before the reply.
    /// </summary>
    public (PullRound Next, SliceAsk? Ask) Unusable(int slice, TimeSpan now)
    {
        if (!InRange(slice))
        {
            return (this, null);
        }

        return Open(slice) ? (Asked(slice, now), new SliceAsk(slice, -1)) : (this, null);
    }

    /// <summary>
    /// A retry of <paramref name="slice"/> scheduled in <paramref name="round"/> is due (after
    /// <see cref="PullVerdict.AwaitMerge"/> or <see cref="PullVerdict.RetryLater"/>): the ask, or null
    /// when that round is over or the slice is done.
    /// </summary>
    public (PullRound Next, SliceAsk? Ask) Retry(int slice, int round, TimeSpan now) =>
        round == Round && InRange(slice) && Open(slice)
            ? (Asked(slice, now), new SliceAsk(slice, Versions[slice]))
            : (this, null);

    /// <summary>
    /// The pull timeout of <paramref name="round"/> passed: every slice still outstanding is asked
    /// again (none when that round is over or complete; the trainer then lets the timeout lapse).
    /// </summary>
    public (PullRound Next, ImmutableArray<SliceAsk> Asks) TimedOut(int round, TimeSpan now)
    {
        if (round != Round || Round == 0 || Outstanding == 0)
        {
            return (this, []);
        }

        var next = this;
        var asks = ImmutableArray.CreateBuilder<SliceAsk>(Outstanding);
        for (var slice = 0; slice < Slices; slice++)
        {
            if (!Received[slice])
            {
                next = next.Asked(slice, now) with { DoubtUntil = next.DoubtUntil.SetItem(slice, now + (PullTimeout * 4)) };
                asks.Add(new SliceAsk(slice, Versions[slice]));
            }
        }

        return (next, asks.MoveToImmutable());
    }

    /// <summary>The trainer contributed an update computed from the copy as it is (its versions are the contribution's base versions).</summary>
    public PullRound Contributed() => this with { ContributedFrom = Versions };

    /// <summary>The shortest round trip was reported: measuring starts afresh.</summary>
    public PullRound RoundTripTaken() => this with { ShortestRoundTrip = null };

    private bool InRange(int slice) => slice >= 0 && slice < Slices;

    private bool Open(int slice) => Round > 0 && !Received[slice];

    private PullRound Asked(int slice, TimeSpan now) => this with { AskedAt = AskedAt.SetItem(slice, now) };

    // the copy of the slice is at version now: done, unless the round waits for its merged updates
    private (PullRound Next, PullVerdict Verdict) Settle(int slice, long version, TimeSpan now)
    {
        var next = this with { Versions = Versions.SetItem(slice, version) };
        if (WaitForMerge && ContributedFrom[slice] >= 0 && version < ContributedFrom[slice] + Regions && now - StartedAt < PullTimeout)
        {
            return (next, PullVerdict.AwaitMerge);
        }

        next = next with { Received = Received.SetItem(slice, true), Outstanding = Outstanding - 1 };
        return (next, next.Outstanding == 0 ? PullVerdict.Complete : PullVerdict.Settled);
    }
}
