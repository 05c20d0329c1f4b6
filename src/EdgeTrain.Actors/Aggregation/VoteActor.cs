using Akka.Actor;
using Akka.Event;
using EdgeTrain.Core.Redundancy;
using EdgeTrain.Core.Reputation;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;

namespace EdgeTrain.Actors.Aggregation;

/// <summary>
/// The redundant execution of a shared-data job in one region: a child of the region's aggregator, which
/// forwards it the trainers' <see cref="RequestUnit"/>s and <see cref="UnitResult"/>s. It hands out work
/// units and votes on their replicas (<see cref="VoteRounds"/>); when a round closes it gives its parent
/// the accepted units (to merge and send as one update), the votes won and lost and the counts
/// (<see cref="Decided"/>). Nodes are known by their address, as the aggregator and the coordinator know them.
/// </summary>
public sealed class VoteActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly string name;
    private readonly TimeProvider time;
    private readonly long origin;
    private VoteRounds? rounds;

    /// <summary>Creates the vote of aggregator <paramref name="name"/>; <paramref name="time"/> is its clock (the system's when null).</summary>
    public VoteActor(string name, TimeProvider? time = null)
    {
        this.name = name;
        this.time = time ?? TimeProvider.System;
        origin = this.time.GetTimestamp();

        Receive<Setup>(setup =>
        {
            if (rounds is null)
            {
                rounds = new VoteRounds(setup.Settings);
                Timers.StartPeriodicTimer(nameof(Tick), Tick.Instance, TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 50, setup.Settings.RoundTimeout.Ticks / 10)));
                log.Info("vote {0}: units of {1} samples, {2} replicas for an untrusted node, spot checks at {3:P0}, {4} unit(s) a round",
                    name, setup.Settings.UnitSamples, setup.Settings.Replicas, setup.Settings.SpotCheckRate, setup.Settings.UnitsPerRound);
            }

            rounds.Configure(setup.Settings, setup.Trusted, setup.Quarantined);
        });
        Receive<RequestUnit>(request =>
        {
            if (rounds is null)
            {
                Sender.Tell(new NoUnit(request.JobId, "the job's vote is not configured yet"));
                return;
            }

            var answer = rounds.Request(NodeOf(Sender), request.Versions, request.Samples, Now);
            Sender.Tell(answer.Unit is { } unit ? new UnitAssigned(request.JobId, unit) : new NoUnit(request.JobId, answer.Wait ?? "no unit"));
        });
        Receive<UnitResult>(result =>
        {
            if (rounds is not null)
            {
                rounds.Result(NodeOf(Sender), result.UnitId, result.Versions, result.Update, result.Weight);
                HandOver();
            }
        });
        Receive<Tick>(_ =>
        {
            if (rounds?.Expire(Now) == true)
            {
                log.Warning("vote {0}: round {1} timed out; applying what it accepted", name, rounds.Round);
            }

            HandOver();
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the vote of aggregator <paramref name="name"/>.</summary>
    public static Props Props(string name, TimeProvider? time = null) => Akka.Actor.Props.Create(() => new VoteActor(name, time));

    private TimeSpan Now => time.GetElapsedTime(origin);

    // a trainer's node as reputation and quarantine know it: its cluster address (this node's for a local trainer)
    private string NodeOf(IActorRef sender)
    {
        return Gateway.DeviceNames.NodeOf(sender, ((ExtendedActorSystem)Context.System).Provider.DefaultAddress);
    }

    private void HandOver()
    {
        var closed = rounds!.TakeClosed();
        var seen = rounds.TakeObservations();
        if (closed is null && seen.Count == 0)
        {
            return;
        }

        if (closed is not null)
        {
            log.Info("vote {0}: round {1} accepted {2} unit(s); {3}", name, rounds.Round, closed.Count, Describe(rounds.Counts));
        }

        Context.Parent.Tell(new Decided(closed ?? [], seen, rounds.Counts));
    }

    /// <summary>The counts in words: computed, applied and the extra compute, overall and once trusted.</summary>
    public static string Describe(VoteCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return $"{counts.Computed} replicas computed for {counts.Applied} units applied (extra compute {Percent(counts.ExtraCompute)}); "
            + $"trusted nodes' units {counts.SettledComputed} for {counts.SettledApplied} ({Percent(counts.SettledExtraCompute)}); {counts.Inconclusive} inconclusive, {counts.Abandoned} abandoned";
    }

    private static string Percent(double? fraction) => fraction is { } f ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{f:P1}") : "n/a";

    /// <summary>How the votes run now, the trainer nodes (addresses) that work alone, and those quarantined (their replicas under way are dropped).</summary>
    public sealed record Setup(VoteSettings Settings, string[] Trusted, string[] Quarantined);

    /// <summary>To the parent: units accepted by a round that closed (possibly none), observations since the last, the counts.</summary>
    public sealed record Decided(IReadOnlyList<AcceptedUnit> Accepted, IReadOnlyDictionary<string, ReputationDelta> Observed, VoteCounts Counts);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
