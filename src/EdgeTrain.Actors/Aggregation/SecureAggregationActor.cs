using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Core.Privacy.SecureAggregation;
using static EdgeTrain.Actors.Aggregation.SecureAggregationProtocol;

namespace EdgeTrain.Actors.Aggregation;

/// <summary>
/// Runs a region's secure rounds for its aggregator (a child of <see cref="RegionAggregatorActor"/>, for a job
/// with <c>privacy.secure-aggregation = on</c>), one round at a time, over <see cref="SecureRound"/>: trainers
/// join with keys; once every trainer of the region has joined (or after the merge interval, at least
/// <c>secure-min-participants</c>) the roster goes out; encrypted shares are collected and routed; masked
/// vectors are summed; survivors reveal their shares; the recovered sum goes to the parent as
/// <see cref="Summed"/>. Each phase waits <c>secure-phase-timeout</c> for participants that have not
/// answered, and goes on without them; a round left below its threshold aborts, every participant hears
/// that it ended, and the next round starts with whoever joins. It never holds a trainer's update unmasked.
/// </summary>
public sealed class SecureAggregationActor : ReceiveActor, IWithTimers
{
    private const int KeyBytes = 91;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly string aggregatorId;
    private readonly EdgeTrainSettings settings;
    private readonly List<(IActorRef Trainer, ParticipantKeys Keys)> joined = [];
    private Setup? setup;
    private long rounds;
    private SecureRound? round;
    private IActorRef[] members = [];
    private double weight;
    private long plainBytes;
    private long secureBytes;
    private long started;
    private int phaseTimer;
    private SecureAggregationCounts counts = SecureAggregationCounts.None;

    /// <summary>Creates the rounds of aggregator <paramref name="aggregatorId"/>.</summary>
    public SecureAggregationActor(string aggregatorId, EdgeTrainSettings settings)
    {
        this.aggregatorId = aggregatorId;
        this.settings = settings;
        Receive<Setup>(s =>
        {
            setup = s;
            if (round is null)
            {
                TryStart(timer: false);
            }
        });
        Receive<SecureJoin>(Join);
        Receive<SecureShares>(Shares);
        Receive<SecureMasked>(Masked);
        Receive<SecureRevealed>(Revealed);
        Receive<RoundWait>(_ => TryStart(timer: true));
        Receive<PhaseTimeout>(t =>
        {
            if (t.Timer == phaseTimer && round is not null)
            {
                CloseTimedOut();
            }
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the rounds of aggregator <paramref name="aggregatorId"/>.</summary>
    public static Props Props(string aggregatorId, EdgeTrainSettings settings) =>
        Akka.Actor.Props.Create(() => new SecureAggregationActor(aggregatorId, settings));

    /// <summary>
    /// Job <paramref name="JobId"/>'s secure aggregation: updates of <paramref name="Length"/> values, each clipped to
    /// ±<paramref name="Range"/>; a round starts when <paramref name="Trainers"/> have joined, or after
    /// <paramref name="RoundWait"/> with fewer. <paramref name="Quantised"/>: the trainers' codec quantises (fp16, bf16, int8),
    /// so a round of few enough trainers sends 16-bit words (<see cref="FixedPoint.BitsFor"/>).
    /// </summary>
    public sealed record Setup(string JobId, int Length, double Range, int Trainers, TimeSpan RoundWait, bool Quantised = false);

    /// <summary>
    /// A round's recovered sum (of <paramref name="Survivors"/> updates on <paramref name="Weight"/> samples in
    /// all), and the counts so far.
    /// </summary>
    public sealed record Summed(float[] Sum, int Survivors, double Weight, SecureAggregationCounts Counts);

    /// <summary>A round aborted; the counts so far.</summary>
    public sealed record Aborted(SecureAggregationCounts Counts);

    private void Join(SecureJoin join)
    {
        if (members.Contains(Sender))
        {
            return; // a join sent again before its roster came: this trainer is in the round under way
        }

        joined.RemoveAll(j => j.Trainer.Equals(Sender));
        joined.Add((Sender, join.Keys));
        secureBytes += KeyBytes * 2;
        if (round is null)
        {
            if (joined.Count == 1)
            {
                Timers.StartSingleTimer(nameof(RoundWait), RoundWait.Instance, setup?.RoundWait ?? TimeSpan.FromSeconds(1));
            }

            TryStart(timer: false);
        }
    }

    // the roster: every trainer of the region, or after the wait at least the minimum
    private void TryStart(bool timer)
    {
        if (setup is null || round is not null || joined.Count == 0)
        {
            return;
        }

        var enough = joined.Count >= setup.Trainers || (timer && joined.Count >= settings.SecureMinParticipants);
        if (!enough)
        {
            if (timer)
            {
                log.Info("aggregator {0}: {1} of {2} trainers joined the next secure round; waiting for at least {3}", aggregatorId, joined.Count, setup.Trainers, settings.SecureMinParticipants);
                Timers.StartSingleTimer(nameof(RoundWait), RoundWait.Instance, setup.RoundWait);
            }

            return;
        }

        Timers.Cancel(nameof(RoundWait));
        var roster = new SecureRoster($"{aggregatorId}/{++rounds}", [.. joined.Select(j => j.Keys)], setup.Range, FixedPoint.BitsFor(setup.Quantised, joined.Count));
        members = [.. joined.Select(j => j.Trainer)];
        joined.Clear();
        round = new SecureRound(roster, setup.Length);
        weight = 0;
        started = Stopwatch.GetTimestamp();
        for (var i = 0; i < members.Length; i++)
        {
            members[i].Tell(new SecureRosterFixed(setup.JobId, roster, i));
        }

        secureBytes += (long)members.Length * members.Length * KeyBytes * 2;
        StartPhaseTimer();
    }

    private void Shares(SecureShares shares)
    {
        if (Participant(shares.RoundId, shares.Index) is not { } r)
        {
            return;
        }

        secureBytes += shares.Boxes.Values.Sum(b => (long)b.Length);
        if (Refused(r.AddShares(shares.Index, shares.Boxes)) || !r.AllShared)
        {
            return;
        }

        CloseSharing(r);
    }

    private void CloseSharing(SecureRound r)
    {
        if (r.CloseSharing() is { } abort)
        {
            Abort(abort);
            return;
        }

        foreach (var holder in r.Sharers)
        {
            var boxes = r.SharesFor(holder);
            secureBytes += boxes.Values.Sum(b => (long)b.Length);
            members[holder].Tell(new SecureSharesFor(setup!.JobId, r.Roster.RoundId, boxes));
        }

        StartPhaseTimer();
    }

    private void Masked(SecureMasked masked)
    {
        if (Participant(masked.RoundId, masked.Index) is not { } r)
        {
            return;
        }

        secureBytes += masked.Words.Length;
        var words = SecureRound.FromBytes(masked.Words, r.Roster.WordBits);
        if (Refused(words is null ? $"participant {masked.Index} sent {masked.Words.Length} bytes, not whole {r.Roster.WordBits}-bit words" : r.AddMasked(masked.Index, words)))
        {
            return;
        }

        plainBytes += masked.PlainBytes;
        weight += masked.Weight;
        if (r.AllMasked)
        {
            CloseMasking(r);
        }
    }

    private void CloseMasking(SecureRound r)
    {
        if (r.CloseMasking() is { } abort)
        {
            Abort(abort);
            return;
        }

        if (r.Dropped.Count > 0)
        {
            log.Warning("aggregator {0}: secure round {1}: participants [{2}] shared but sent no masked vector; their masks are removed with their keys, recovered from the survivors' shares",
                aggregatorId, r.Roster.RoundId, string.Join(",", r.Dropped));
        }

        foreach (var survivor in r.Survivors)
        {
            members[survivor].Tell(new SecureUnmask(setup!.JobId, r.Roster.RoundId, [.. r.Survivors], [.. r.Dropped]));
        }

        secureBytes += r.Survivors.Count * 4L * (r.Survivors.Count + r.Dropped.Count);
        StartPhaseTimer();
    }

    private void Revealed(SecureRevealed revealed)
    {
        if (Participant(revealed.RoundId, revealed.Index) is not { } r)
        {
            return;
        }

        secureBytes += (revealed.Reveal.SelfShares.Count + revealed.Reveal.MaskShares.Count) * (4L + 1 + MaskStream.SeedBytes);
        if (Refused(r.AddReveal(revealed.Index, revealed.Reveal)) || !r.AllRevealed)
        {
            return;
        }

        Finish(r);
    }

    private void Finish(SecureRound r)
    {
        if (r.Finish() is not { } words)
        {
            Abort(r.AbortReason ?? "the sum could not be recovered");
            return;
        }

        var sum = r.Roster.Quantiser.DecodeSum(words, r.Survivors.Count);
        counts = counts with
        {
            Rounds = counts.Rounds + 1,
            RecoveredDropouts = counts.RecoveredDropouts + r.Dropped.Count,
            SecureBytes = counts.SecureBytes + secureBytes,
            PlainBytes = counts.PlainBytes + plainBytes,
            RoundSeconds = counts.RoundSeconds + Stopwatch.GetElapsedTime(started).TotalSeconds,
        };
        if (r.Dropped.Count > 0)
        {
            log.Info("aggregator {0}: secure round {1}: the sum of {2} survivors recovered without [{3}]", aggregatorId, r.Roster.RoundId, r.Survivors.Count, string.Join(",", r.Dropped));
        }

        Context.Parent.Tell(new Summed(sum, r.Survivors.Count, weight, counts));
        End(r, merged: true, null);
    }

    private void Abort(string reason)
    {
        var r = round!;
        log.Warning("aggregator {0}: secure round {1} aborted: {2}; the next round starts with the trainers that join", aggregatorId, r.Roster.RoundId, reason);
        counts = counts with { Aborted = counts.Aborted + 1 };
        Context.Parent.Tell(new Aborted(counts));
        End(r, merged: false, reason);
    }

    private void End(SecureRound r, bool merged, string? reason)
    {
        Timers.Cancel(nameof(PhaseTimeout));
        foreach (var member in members)
        {
            member.Tell(new SecureRoundEnded(setup!.JobId, r.Roster.RoundId, merged, reason));
        }

        round = null;
        members = [];
        secureBytes = 0;
        plainBytes = 0;
        if (joined.Count > 0)
        {
            Timers.StartSingleTimer(nameof(RoundWait), RoundWait.Instance, setup?.RoundWait ?? TimeSpan.FromSeconds(1));
            TryStart(timer: false);
        }
    }

    // a phase's wait is over: go on with whoever answered
    private void CloseTimedOut()
    {
        var r = round!;
        switch (r.Phase)
        {
            case SecurePhase.Sharing:
                log.Info("aggregator {0}: secure round {1}: not every participant sent its shares within {2}; going on without the others", aggregatorId, r.Roster.RoundId, settings.SecurePhaseTimeout);
                CloseSharing(r);
                break;
            case SecurePhase.Masking:
                CloseMasking(r);
                break;
            case SecurePhase.Unmasking:
                Finish(r);
                break;
        }
    }

    // the round and index a trainer names, checked against who joined at that index; null (logged) when not this round's
    private SecureRound? Participant(string roundId, int index)
    {
        if (round is null || round.Roster.RoundId != roundId)
        {
            log.Debug("aggregator {0}: a message of secure round {1}, which is over", aggregatorId, roundId);
            return null;
        }

        if (index < 0 || index >= members.Length || !members[index].Equals(Sender))
        {
            log.Warning("aggregator {0}: secure round {1}: {2} claims to be participant {3}, which it did not join as; ignored", aggregatorId, roundId, Sender.Path, index);
            return null;
        }

        return round;
    }

    private bool Refused(string? problem)
    {
        if (problem is not null)
        {
            log.Warning("aggregator {0}: secure round {1}: {2}; ignored", aggregatorId, round!.Roster.RoundId, problem);
        }

        return problem is not null;
    }

    private void StartPhaseTimer() => Timers.StartSingleTimer(nameof(PhaseTimeout), new PhaseTimeout(++phaseTimer), settings.SecurePhaseTimeout);

    private sealed record PhaseTimeout(int Timer);

    private sealed class RoundWait
    {
        public static readonly RoundWait Instance = new();
    }
}
