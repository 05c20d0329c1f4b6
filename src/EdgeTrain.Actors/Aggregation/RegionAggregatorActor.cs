using Akka.Actor;
using Akka.Event;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Core.Aggregation;
using EdgeTrain.Core.Aggregation.Robust;
using EdgeTrain.Core.Privacy.SecureAggregation;
using EdgeTrain.Core.Redundancy;
using EdgeTrain.Core.Reputation;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Aggregation.SecureAggregationProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Aggregation;

/// <summary>
/// Merges the contributions of one region's trainers to one job (a Cluster.Sharding entity, id
/// <c>{jobId}:{region}</c>, on nodes with the <c>aggregator</c> role). Trainers never wait for
/// each other: each contribution is merged as it comes (<see cref="RegionMerge"/>), and a slice's
/// merged update goes to its shard after <c>merge-count</c> contributions or <c>merge-interval</c>.
/// Merged updates stay pending until the shard acknowledges them as durable and are sent again
/// after <c>resend-after</c>; the aggregator id carries an incarnation suffix so that sequence
/// numbers never repeat. With a robust rule (<see cref="AggregationRule"/>) it collects one round of
/// every trainer's whole update and merges it by the rule, reporting to the coordinator which
/// trainer nodes the rule used and which it left out, and why; it drops the contributions of
/// quarantined nodes. For a shared-data job with redundancy its child <see cref="VoteActor"/> hands out
/// work units and votes on them; the units a round accepted are merged here and sent as one update per
/// slice, and the votes won and lost are reported like the rule's observations. A job with secure
/// aggregation sends no contributions: its trainers take part in secure rounds run by the child
/// <see cref="SecureAggregationActor"/>, and each round's recovered sum is merged here as the round's mean.
/// </summary>
public sealed class RegionAggregatorActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly string aggregatorId;
    private readonly IActorRef shards;
    private readonly EdgeTrainSettings settings;
    private RegionMerge? merge;
    private string jobId = "";
    private string region = "";
    private long accepted;
    private long rejected;
    private long mergedSent;
    private long acknowledged;
    private long bytesIn;
    private long bytesOut;
    private bool progressChanged;
    private HashSet<string> quarantined = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ReputationDelta> observed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> leftOutBecause = new(StringComparer.Ordinal);
    private int[] sliceLengths = [];
    private TimeSpan mergeInterval;
    private DateTime roundCheckedUtc = DateTime.UtcNow;
    private IActorRef? vote;
    private VoteCounts? votes;
    private IActorRef? secure;
    private SecureAggregationCounts? secureCounts;

    /// <summary>Creates the aggregator entity <paramref name="entityId"/>, sending merged updates to <paramref name="shards"/>.</summary>
    public RegionAggregatorActor(string entityId, IActorRef shards, EdgeTrainSettings settings)
    {
        aggregatorId = $"{entityId}#{Guid.NewGuid():N}";
        this.shards = shards;
        this.settings = settings;

        Receive<ConfigureAggregator>(Configure);
        Receive<Contribution>(Contribute);
        Receive<RequestUnit>(request =>
        {
            if (vote is null || quarantined.Contains(NodeOf(Sender)))
            {
                Sender.Tell(new NoUnit(request.JobId, vote is null ? "this job's aggregator hands out no work units (not configured for redundancy yet)" : "this node is quarantined"));
                return;
            }

            vote.Forward(request);
        });
        Receive<UnitResult>(result =>
        {
            if (vote is not null && !quarantined.Contains(NodeOf(Sender)))
            {
                vote.Forward(result);
            }
        });
        Receive<VoteActor.Decided>(Voted);
        Receive<SecureJoin>(ToSecureRounds);
        Receive<SecureShares>(ToSecureRounds);
        Receive<SecureMasked>(ToSecureRounds);
        Receive<SecureRevealed>(ToSecureRounds);
        Receive<SecureAggregationActor.Summed>(SecureSum);
        Receive<SecureAggregationActor.Aborted>(a =>
        {
            secureCounts = a.Counts;
            progressChanged = true;
        });
        Receive<FlushTick>(_ => FlushAll());
        Receive<ResendTick>(_ => Resend());
        Receive<ReportTick>(_ => Report());
        Receive<UpdateAck>(ack =>
        {
            if (merge?.Acknowledge(ack.Slice, ack.Sequence, ack.Version) == true)
            {
                acknowledged++;
                progressChanged = true;
            }
        });
        Receive<UpdateRejected>(r =>
        {
            merge?.Drop(r.Slice, r.Sequence);
            log.Error("aggregator {0}: shard refused merged update {1} of slice {2}: {3}", aggregatorId, r.Sequence, r.Slice, r.Reason);
        });
        Receive<GetAggregatorStats>(_ => Sender.Tell(new AggregatorStats(
            jobId, region, accepted, rejected, mergedSent, acknowledged, merge?.PendingCount ?? 0, bytesIn, bytesOut)));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the entity <paramref name="entityId"/>.</summary>
    public static Props Props(string entityId, IActorRef shards, EdgeTrainSettings settings) =>
        Akka.Actor.Props.Create(() => new RegionAggregatorActor(entityId, shards, settings));

    private void Configure(ConfigureAggregator configure)
    {
        if (merge is null || merge.SliceCount != configure.SliceLengths.Length)
        {
            jobId = configure.JobId;
            region = configure.Region;
            sliceLengths = [.. configure.SliceLengths];
            merge = new RegionMerge(configure.SliceLengths, configure.MergeCount, settings.StalenessExponent, configure.MergedCodec, configure.ErrorFeedback);
            // partial merges are due merge-interval after a slice's first waiting contribution: looked for four times an interval
            Timers.StartPeriodicTimer(nameof(FlushTick), FlushTick.Instance, TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(10).Ticks, configure.MergeInterval.Ticks / 4)));
            Timers.StartPeriodicTimer(nameof(ResendTick), ResendTick.Instance, settings.ResendAfter);
            Timers.StartPeriodicTimer(nameof(ReportTick), ReportTick.Instance, TimeSpan.FromSeconds(1));
            log.Info("aggregator {0}: {1} slices, merge {2} contributions or every {3}, merged updates as {4}{5}", aggregatorId, configure.SliceLengths.Length, configure.MergeCount, configure.MergeInterval,
                merge.MergedCodec.Kind, configure.ErrorFeedback ? " with error feedback" : string.Empty);
        }

        mergeInterval = configure.MergeInterval;
        if (merge.Reconfigure(configure.MergeCount, configure.Share))
        {
            log.Info("aggregator {0}: merging {1} contributions per update, scaled by the region's share {2:0.###}", aggregatorId, configure.MergeCount, configure.Share);
        }

        var rule = configure.Rule ?? AggregationRule.Mean;
        if (rule != merge.Rule)
        {
            merge.SetRule(rule);
            log.Info("aggregator {0}: merging rounds of whole updates by {1}", aggregatorId, rule);
        }

        var now = new HashSet<string>(configure.Quarantined ?? [], StringComparer.Ordinal);
        foreach (var node in now.Except(quarantined))
        {
            log.Warning("aggregator {0}: node {1} is quarantined; its contributions are dropped", aggregatorId, node);
        }

        quarantined = now;
        if (configure.Vote is { } voting)
        {
            vote ??= Context.ActorOf(VoteActor.Props(aggregatorId), "vote");
            vote.Tell(new VoteActor.Setup(voting, configure.Trusted ?? [], [.. quarantined]));
        }

        if (configure.SecureRange is { } range)
        {
            secure ??= Context.ActorOf(SecureAggregationActor.Props(aggregatorId, settings), "secure");
            secure.Tell(new SecureAggregationActor.Setup(jobId, sliceLengths.Sum(), range, configure.MergeCount, configure.MergeInterval, configure.SecureQuantised));
        }

        Sender.Tell(new AggregatorConfigured(configure.JobId, configure.Region));
    }

    // a secure round's message, from a trainer that is not quarantined, to the rounds (which check who sends what)
    private void ToSecureRounds(IAggregatorMessage message)
    {
        if (secure is null)
        {
            log.Warning("aggregator {0}: a secure round's {1} from {2}, but the job has no secure aggregation configured here (yet); ignored", aggregatorId, message.GetType().Name, Sender.Path);
            return;
        }

        if (!quarantined.Contains(NodeOf(Sender)))
        {
            secure.Forward(message);
        }
    }

    // a secure round's recovered sum: its mean merged into one update per slice
    private void SecureSum(SecureAggregationActor.Summed summed)
    {
        secureCounts = summed.Counts;
        progressChanged = true;
        if (merge is null)
        {
            return;
        }

        var mean = summed.Sum;
        System.Numerics.Tensors.TensorPrimitives.Divide(mean, summed.Survivors, mean);
        var offset = 0;
        for (var slice = 0; slice < sliceLengths.Length; slice++)
        {
            var length = sliceLengths[slice];
            if (merge.Add(slice, merge.KnownVersion(slice), Math.Max(1, summed.Weight), mean.AsSpan(offset, length)) is { } reason)
            {
                log.Error("aggregator {0}: a secure round's sum not merged into slice {1}: {2}", aggregatorId, slice, reason);
            }

            offset += length;
            Flush(slice);
        }

        accepted += summed.Survivors;
    }

    // a trainer's node, by address, is what reputation and quarantine know (a trainer on this node sends with a local path: it is named by this node's cluster address too)
    private string NodeOf(IActorRef sender)
    {
        return Gateway.DeviceNames.NodeOf(sender, ((ExtendedActorSystem)Context.System).Provider.DefaultAddress);
    }

    // a round of votes closed: its accepted units merged into one update per slice (the model moves once a round), the votes observed
    private void Voted(VoteActor.Decided decided)
    {
        votes = decided.Counts;
        progressChanged = true;
        foreach (var (node, delta) in decided.Observed)
        {
            Observe(node, delta);
        }

        if (merge is null || decided.Accepted.Count == 0)
        {
            return;
        }

        foreach (var unit in decided.Accepted)
        {
            var offset = 0;
            for (var slice = 0; slice < sliceLengths.Length; slice++)
            {
                var length = sliceLengths[slice];
                var reason = unit.Update.Length != sliceLengths.Sum()
                    ? $"unit {unit.Unit.Id} has {unit.Update.Length} floats, the model {sliceLengths.Sum()}"
                    : merge.Add(slice, unit.Unit.Versions[slice], unit.Weight, unit.Update.AsSpan(offset, length));
                if (reason is not null)
                {
                    log.Error("aggregator {0}: accepted unit {1} not merged: {2}", aggregatorId, unit.Unit.Id, reason);
                    break;
                }

                offset += length;
            }

            accepted++;
        }

        foreach (var slice in merge.SlicesWithContributions.ToList())
        {
            Flush(slice);
        }
    }

    private void Contribute(Contribution c)
    {
        // a trainer's rounds are kept by its path (one trainer per job and node)
        var self = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;
        var trainer = Sender.Path.ToStringWithAddress(self);
        var node = NodeOf(Sender);
        if (quarantined.Contains(node))
        {
            rejected++;
            return;
        }

        var reason = merge is null
            ? $"job {c.JobId} is unknown to this aggregator (not configured)"
            : merge.Add(c.Slice, c.BaseVersion, c.Weight, c.Payload, $"contribution from {Sender.Path}", trainer, DateTime.UtcNow);
        if (reason is not null)
        {
            rejected++;
            if (merge is not null)
            {
                Observe(node, new ReputationDelta(Refused: 1));
            }

            log.Warning("aggregator {0}: contribution to {1} slice {2} from {3} rejected: {4} (rejected so far: {5})", aggregatorId, c.JobId, c.Slice, Sender.Path, reason, rejected);
            Sender.Tell(new ContributionRejected(c.JobId, c.Region, c.Slice, reason));
            return;
        }

        accepted++;
        bytesIn += c.Payload.Length;
        if (merge!.RoundMode)
        {
            if (merge.RoundReady(timer: false))
            {
                FlushRound();
            }
        }
        else if (merge.Ready(c.Slice))
        {
            Flush(c.Slice);
        }
    }

    // one round of whole updates merged by the rule: a merged update per slice, and what the rule made of each trainer
    private void FlushRound()
    {
        if (merge!.FlushRound(DateTime.UtcNow) is not var (updates, result))
        {
            return;
        }

        foreach (var update in updates)
        {
            Send(update);
            mergedSent++;
        }

        foreach (var verdict in result.Verdicts)
        {
            var node = ActorPath.TryParse(verdict.Source, out var path) ? path.Address.ToString() : verdict.Source;
            // evidence only: a contribution used speaks for its node, an outlier against it; one Multi-Krum
            // merely did not select (n − m of them every round, attack or not) neither way
            if (verdict.Included || verdict.Outlier)
            {
                Observe(node, verdict.Included ? new ReputationDelta(Used: 1) : new ReputationDelta(LeftOut: 1));
            }

            if (!verdict.Included)
            {
                leftOutBecause[node] = verdict.Reason ?? "left out";
                log.Info("aggregator {0}: {1} left out of a round: {2}", aggregatorId, verdict.Source, verdict.Reason);
            }
        }

        progressChanged = true;
    }

    private void Observe(string trainer, ReputationDelta delta)
    {
        observed[trainer] = observed.TryGetValue(trainer, out var known) ? known.Plus(delta) : delta;
        progressChanged = true;
    }

    private void FlushAll()
    {
        if (merge is null)
        {
            return;
        }

        if (merge.RoundMode)
        {
            // a robust rule's round: checked once a merge interval, as it always was
            if (DateTime.UtcNow - roundCheckedUtc >= mergeInterval)
            {
                roundCheckedUtc = DateTime.UtcNow;
                if (merge.RoundReady(timer: true))
                {
                    FlushRound();
                }
            }

            return;
        }

        foreach (var slice in merge.SlicesDue(DateTime.UtcNow - mergeInterval).ToList())
        {
            Flush(slice);
        }
    }

    private void Flush(int slice)
    {
        var update = merge!.Flush(slice, DateTime.UtcNow);
        if (update is not null)
        {
            Send(update);
            mergedSent++;
            progressChanged = true;
        }
    }

    private void Resend()
    {
        if (merge is null)
        {
            return;
        }

        var now = DateTime.UtcNow;
        var due = merge.DueForResend(now - settings.ResendAfter, now);
        if (due.Count > 0)
        {
            log.Info("aggregator {0}: re-sending {1} unacknowledged merged updates", aggregatorId, due.Count);
        }

        foreach (var update in due)
        {
            Send(update);
        }
    }

    private void Send(PendingUpdate update)
    {
        bytesOut += update.Payload.Length;
        shards.Tell(new MergedUpdate(jobId, update.Slice, aggregatorId, update.Sequence, update.Payload), Self);
    }

    private void Report()
    {
        if (!progressChanged)
        {
            return;
        }

        progressChanged = false;
        Context.ActorSelection("/user/" + ActorNames.CoordinatorProxy).Tell(
            new AggregatorProgress(jobId, region, aggregatorId, mergedSent, acknowledged, bytesOut, merge?.AcknowledgedContiguous() ?? [])
            {
                Observed = new Dictionary<string, ReputationDelta>(observed, StringComparer.Ordinal),
                LeftOutBecause = new Dictionary<string, string>(leftOutBecause, StringComparer.Ordinal),
                Votes = votes,
                SecureAggregation = secureCounts,
            });
        observed.Clear();
        leftOutBecause.Clear();
    }

    private sealed class FlushTick
    {
        public static readonly FlushTick Instance = new();
    }

    private sealed class ResendTick
    {
        public static readonly ResendTick Instance = new();
    }

    private sealed class ReportTick
    {
        public static readonly ReportTick Instance = new();
    }
}
