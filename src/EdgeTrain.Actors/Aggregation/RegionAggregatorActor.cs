using Akka.Actor;
using Akka.Event;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Core.Aggregation;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
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
/// numbers never repeat.
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

    /// <summary>Creates the aggregator entity <paramref name="entityId"/>, sending merged updates to <paramref name="shards"/>.</summary>
    public RegionAggregatorActor(string entityId, IActorRef shards, EdgeTrainSettings settings)
    {
        aggregatorId = $"{entityId}#{Guid.NewGuid():N}";
        this.shards = shards;
        this.settings = settings;

        Receive<ConfigureAggregator>(Configure);
        Receive<Contribution>(Contribute);
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
            merge = new RegionMerge(configure.SliceLengths, configure.MergeCount, settings.StalenessExponent, configure.MergedCodec, configure.ErrorFeedback);
            Timers.StartPeriodicTimer(nameof(FlushTick), FlushTick.Instance, configure.MergeInterval);
            Timers.StartPeriodicTimer(nameof(ResendTick), ResendTick.Instance, settings.ResendAfter);
            Timers.StartPeriodicTimer(nameof(ReportTick), ReportTick.Instance, TimeSpan.FromSeconds(1));
            log.Info("aggregator {0}: {1} slices, merge {2} contributions or every {3}, merged updates as {4}{5}", aggregatorId, configure.SliceLengths.Length, configure.MergeCount, configure.MergeInterval,
                merge.MergedCodec.Kind, configure.ErrorFeedback ? " with error feedback" : string.Empty);
        }

        if (merge.Reconfigure(configure.MergeCount, configure.Share))
        {
            log.Info("aggregator {0}: merging {1} contributions per update, scaled by the region's share {2:0.###}", aggregatorId, configure.MergeCount, configure.Share);
        }

        Sender.Tell(new AggregatorConfigured(configure.JobId, configure.Region));
    }

    private void Contribute(Contribution c)
    {
        var reason = merge is null
            ? $"job {c.JobId} is unknown to this aggregator (not configured)"
            : merge.Add(c.Slice, c.BaseVersion, c.Weight, c.Payload, $"contribution from {Sender.Path}");
        if (reason is not null)
        {
            rejected++;
            log.Warning("aggregator {0}: contribution to {1} slice {2} from {3} rejected: {4} (rejected so far: {5})", aggregatorId, c.JobId, c.Slice, Sender.Path, reason, rejected);
            Sender.Tell(new ContributionRejected(c.JobId, c.Region, c.Slice, reason));
            return;
        }

        accepted++;
        bytesIn += c.Payload.Length;
        if (merge!.Ready(c.Slice))
        {
            Flush(c.Slice);
        }
    }

    private void FlushAll()
    {
        if (merge is null)
        {
            return;
        }

        foreach (var slice in merge.SlicesWithContributions.ToList())
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
            new AggregatorProgress(jobId, region, aggregatorId, mergedSent, acknowledged, bytesOut, merge?.AcknowledgedContiguous() ?? []));
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
