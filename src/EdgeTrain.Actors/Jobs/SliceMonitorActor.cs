using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Membership;
using EdgeTrain.Actors.Parameters;
using EdgeTrain.Core.Scheduling;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// Watches the slices of the jobs that have them, a child of the coordinator. Every
/// <c>slice-check-interval</c> it tells every slice of every watched job <see cref="GetShardInfo"/> (the
/// explicit check beside remember-entities that brings back, through Cluster.Sharding, a slice whose
/// node went away, and the clock a recovery is timed by), tells each region's aggregator the job's
/// configuration again (an aggregator that restarted elsewhere knows nothing), and asks the sharding
/// statistics where each slice lives. It answers <see cref="GetSliceHealth"/> with what it saw and the
/// recent member changes, tells the coordinator when a job's slices per node change, and runs the
/// lost-update audit's questions.
/// </summary>
public sealed class SliceMonitorActor : ReceiveActor, IWithTimers
{
    private readonly Dictionary<string, SliceHealthBook> jobs = new(StringComparer.Ordinal);
    private readonly Queue<MemberChange> memberChanges = new();
    private readonly IActorRef shards;
    private readonly IActorRef aggregators;
    private readonly SliceMessageExtractor extractor;
    private readonly EdgeTrainSettings settings;
    private readonly TimeProvider time;

    /// <summary>Creates the monitor.</summary>
    public SliceMonitorActor(IActorRef shards, IActorRef aggregators, SliceMessageExtractor extractor, EdgeTrainSettings settings, TimeProvider time)
    {
        this.shards = shards;
        this.aggregators = aggregators;
        this.extractor = extractor;
        this.settings = settings;
        this.time = time;
        Receive<Watch>(w =>
        {
            if (jobs.TryGetValue(w.JobId, out var book) && book.Slices.Length == w.Slices)
            {
                book.Aggregators = w.Aggregators;
            }
            else
            {
                jobs[w.JobId] = new SliceHealthBook(w.Slices, w.Aggregators);
            }

            Configure(w.Aggregators);
        });
        Receive<Unwatch>(u => jobs.Remove(u.JobId));
        Receive<Check>(_ => CheckAll());
        Receive<ShardInfo>(info => Book(info.JobId)?.Answered(info.Slice, info.Version, Now));
        Receive<ClusterShardingStats>(Homed);
        Receive<GetSliceHealth>(get => Sender.Tell(new SliceHealthReport(get.JobId, Book(get.JobId)?.Slices.ToArray() ?? [], Now, [.. memberChanges])));
        Receive<Audit>(Ask);
        Receive<ClusterEvent.MemberRemoved>(r => Changed(r.Member.Address.ToString(), MemberChangeKind.Removed, $"was {r.PreviousStatus}", Now));
        Receive<ClusterEvent.UnreachableMember>(u => Changed(u.Member.Address.ToString(), MemberChangeKind.Unreachable, null, Now));
        Receive<ClusterEvent.MemberDowned>(d => Changed(d.Member.Address.ToString(), MemberChangeKind.Downed, null, Now));
        Receive<PeerGone>(gone => Changed(gone.Address, MemberChangeKind.ProcessGone, gone.Evidence, gone.AtUtc));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
        Receive<Status.Failure>(_ => { });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the monitor.</summary>
    public static Props Props(IActorRef shards, IActorRef aggregators, SliceMessageExtractor extractor, EdgeTrainSettings settings, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new SliceMonitorActor(shards, aggregators, extractor, settings, time));

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <inheritdoc />
    protected override void PreStart()
    {
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Context.System.EventStream.Subscribe(Self, typeof(PeerGone));
        Timers.StartPeriodicTimer(nameof(Check), Check.Instance, settings.SliceCheckInterval);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }

    private SliceHealthBook? Book(string jobId) => jobs.GetValueOrDefault(jobId);

    private void Configure(IEnumerable<ConfigureAggregator> configurations)
    {
        foreach (var configure in configurations)
        {
            aggregators.Tell(configure, ActorRefs.NoSender);
        }
    }

    private void CheckAll()
    {
        foreach (var (jobId, book) in jobs)
        {
            Configure(book.Aggregators);
            for (var i = 0; i < book.Slices.Length; i++)
            {
                shards.Tell(new GetShardInfo(jobId, i), Self);
            }
        }

        if (jobs.Count > 0)
        {
            // every region answers within the stats timeout even when checks come more often (a busy machine)
            var timeout = settings.SliceCheckInterval > settings.StatsTimeout ? settings.SliceCheckInterval : settings.StatsTimeout;
            shards.Ask<ClusterShardingStats>(new GetClusterShardingStats(timeout), timeout * 2).PipeTo(Self);
        }
    }

    private void Homed(ClusterShardingStats stats)
    {
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (address, region) in stats.Regions)
        {
            foreach (var shard in region.Stats.Keys)
            {
                owner[shard] = address.ToString();
            }
        }

        foreach (var (jobId, book) in jobs)
        {
            if (book.Homed(owner, i => extractor.ShardId(ParameterProtocol.EntityId(jobId, i), null)))
            {
                Context.Parent.Tell(new SlicesHomed(jobId, new Dictionary<string, int>(book.SlicesPerNode, StringComparer.Ordinal)));
            }
        }
    }

    // the audit asks every slice afresh and hands the answers to the coordinator, which compares them with the aggregators' acknowledgements
    private void Ask(Audit audit)
    {
        var parent = Context.Parent;
        Task.WhenAll(Enumerable.Range(0, audit.Slices).Select(i => shards.Ask<ShardInfo>(new GetShardInfo(audit.JobId, i), settings.SliceAskTimeout)))
            .PipeTo(parent,
                success: infos => new SlicesAudited(audit.JobId, [.. infos.Select(i => new SliceApplied(i.Slice, i.AppliedContiguous, i.AppliedAbove))], audit.ReplyTo, null),
                failure: e => new SlicesAudited(audit.JobId, [], audit.ReplyTo, $"a slice did not answer: {e.GetBaseException().Message}"));
    }

    private void Changed(string address, MemberChangeKind kind, string? detail, DateTime atUtc)
    {
        memberChanges.Enqueue(new MemberChange(address, kind, atUtc, detail));
        while (memberChanges.Count > settings.MemberChangesKept)
        {
            memberChanges.Dequeue();
        }
    }

    /// <summary>Watch a job's <paramref name="Slices"/> slices and keep telling its aggregators <paramref name="Aggregators"/> (sent again when the placement changes).</summary>
    public sealed record Watch(string JobId, int Slices, ConfigureAggregator[] Aggregators);

    /// <summary>Stop watching a job (it ended).</summary>
    public sealed record Unwatch(string JobId);

    /// <summary>Ask every slice of a job what it holds of each aggregator's updates, for the audit <paramref name="ReplyTo"/> asked for.</summary>
    public sealed record Audit(string JobId, int Slices, IActorRef ReplyTo);

    /// <summary>To the coordinator: what every slice holds (or why not every slice answered).</summary>
    public sealed record SlicesAudited(string JobId, SliceApplied[] Slices, IActorRef ReplyTo, string? Problem);

    /// <summary>To the coordinator: a job's slices per node changed.</summary>
    public sealed record SlicesHomed(string JobId, IReadOnlyDictionary<string, int> SlicesPerNode);

    private sealed class Check
    {
        public static readonly Check Instance = new();
    }
}
