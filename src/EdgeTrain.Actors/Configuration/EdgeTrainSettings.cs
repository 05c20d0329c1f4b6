using Akka.Configuration;
using EdgeTrain.Actors.Security;
using EdgeTrain.Core.Adversaries;
using EdgeTrain.Core.Reputation;
using EdgeTrain.Core.Scheduling;
using EdgeTrain.Core.Security;

namespace EdgeTrain.Actors.Configuration;

/// <summary>
/// EdgeTrain's runtime settings, read once from the <c>edgetrain</c> block of the configuration
/// (defaults and documentation in <c>reference.conf</c>).
/// </summary>
/// <param name="Region">This node's region.</param>
/// <param name="ShardTypeName">Cluster sharding type name of the parameter shards.</param>
/// <param name="ShardCount">Number of shards the parameter slices are spread over.</param>
/// <param name="SnapshotEvery">Updates between full snapshots of a slice.</param>
/// <param name="AggregatorTypeName">Cluster sharding type name of the region aggregators.</param>
/// <param name="AggregatorShardCount">Number of shards the aggregators are spread over.</param>
/// <param name="MergeCount">Contributions to a slice merged into one update.</param>
/// <param name="MergeInterval">Longest wait before a partial merge is sent.</param>
/// <param name="ResendAfter">When an unacknowledged merged update is sent again.</param>
/// <param name="StalenessExponent">Exponent of the staleness discount.</param>
/// <param name="ReportInterval">How often trainers report their totals.</param>
/// <param name="PullTimeout">How long a trainer waits for a slice before asking again (and, with wait-for-merge, for a round's merged updates at most).</param>
/// <param name="TorchThreads">Threads libtorch may use on this node (0: libtorch's default).</param>
/// <param name="EvaluationInterval">How often the coordinator evaluates a running job.</param>
/// <param name="StartStepTimeout">How long the coordinator waits for one answer (a slice created, an aggregator configured) while a job starts before it asks again.</param>
/// <param name="StartRetryInterval">How soon the coordinator tries again to start a job that waits.</param>
/// <param name="SliceCheckInterval">How often the coordinator checks that every slice of a running job answers.</param>
/// <param name="DataDirectory">Where this node keeps its files (job outputs on the seed).</param>
/// <param name="LeaveTimeout">How long a node told to stop tries to leave the cluster gracefully before it terminates anyway.</param>
/// <param name="DownGonePeers">Whether a member whose port refuses connections (its process is gone) is downed at once.</param>
/// <param name="PeerProbeTimeout">How long a probe of a member's port waits for an answer.</param>
/// <param name="PeerProbeInterval">How often an unreachable member is probed again (and the shortest time between two probes of one member).</param>
/// <param name="MaxJobs">How many jobs this node trains at once (its trainer slots).</param>
/// <param name="StatsTimeout">How long the slice check waits for the sharding statistics.</param>
/// <param name="EvaluationTimeout">When an unanswered evaluation is forgotten.</param>
/// <param name="SliceAskTimeout">How long an audit, a checkpoint or a rollback waits for every slice.</param>
/// <param name="TakeoverDelay">How long a coordinator that took over waits before it takes up unfinished jobs.</param>
/// <param name="MemberChangesKept">Member changes the coordinator keeps for timing recoveries.</param>
/// <param name="SchedulerInterval">How often the scheduler decides when nothing else made it.</param>
/// <param name="Scheduler">The scheduler's straggler and preemption rules.</param>
/// <param name="MergeWaitPoll">With wait-for-merge, how soon a trainer asks again for a slice that has not taken its round's merged updates yet.</param>
/// <param name="NotReadyRetry">How soon a trainer asks again for a slice that answered it is not ready (being created or recovered).</param>
/// <param name="TrimRetryAfter">When a failed trim of a slice's journal and old snapshots is tried again.</param>
/// <param name="Security">Mutual TLS, the node's identity, the revocation list and the membership guard's timings.</param>
/// <param name="StorageKey">
/// The key that encrypts checkpoint files, saved models and the shards' journal events and snapshots
/// (<c>storage.key-file</c>, read when the settings are made); null: nothing is encrypted.
/// </param>
public sealed record EdgeTrainSettings(
    string Region,
    string ShardTypeName,
    int ShardCount,
    int SnapshotEvery,
    string AggregatorTypeName,
    int AggregatorShardCount,
    int MergeCount,
    TimeSpan MergeInterval,
    TimeSpan ResendAfter,
    double StalenessExponent,
    TimeSpan ReportInterval,
    TimeSpan PullTimeout,
    int TorchThreads,
    TimeSpan EvaluationInterval,
    TimeSpan StartStepTimeout,
    TimeSpan StartRetryInterval,
    TimeSpan SliceCheckInterval,
    string DataDirectory,
    TimeSpan LeaveTimeout,
    bool DownGonePeers,
    TimeSpan PeerProbeTimeout,
    TimeSpan PeerProbeInterval,
    int MaxJobs,
    TimeSpan StatsTimeout,
    TimeSpan EvaluationTimeout,
    TimeSpan SliceAskTimeout,
    TimeSpan TakeoverDelay,
    int MemberChangesKept,
    TimeSpan SchedulerInterval,
    SchedulerOptions Scheduler,
    TimeSpan MergeWaitPoll,
    TimeSpan NotReadyRetry,
    TimeSpan TrimRetryAfter,
    SecuritySettings Security,
    StorageKey? StorageKey = null)
{
    /// <summary>Where the coordinator on this node keeps its audit signing key (<c>edgetrain.audit.key-file</c>, else under the data folder).</summary>
    public string AuditKeyFile { get; init; } = DefaultAuditKeyFile(DataDirectory);

    /// <summary>Entries in one chunk of the audit log sent to a client (<c>edgetrain.audit.chunk-entries</c>).</summary>
    public int AuditChunkEntries { get; init; } = 500;

    /// <summary>How the coordinator scores reputations, quarantines and trusts nodes (<c>edgetrain.reputation</c>).</summary>
    public ReputationPolicy Reputation { get; init; } = ReputationPolicy.Default;

    /// <summary>
    /// How this node's trainers misbehave (<c>edgetrain.training.adversary</c>): null, the default, for an
    /// honest node. Only for demonstrating and measuring the defences; never set on a real node.
    /// </summary>
    public Adversary? Adversary { get; init; }

    /// <summary>How many DP-SGD steps a trainer asks the coordinator to reserve at a time (<c>edgetrain.training.privacy-lease-steps</c>).</summary>
    public int PrivacyLeaseSteps { get; init; } = 32;

    /// <summary>How long a phase of a secure round waits for participants that have not answered (<c>edgetrain.aggregation.secure-phase-timeout</c>).</summary>
    public TimeSpan SecurePhaseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a split job's step waits for the split-server (<c>edgetrain.training.split-step-timeout</c>).</summary>
    public TimeSpan SplitStepTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a split-server waits without a message before it stops (<c>edgetrain.training.split-server-idle</c>).</summary>
    public TimeSpan SplitServerIdle { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The fewest trainers a secure round starts with before all have joined (<c>edgetrain.aggregation.secure-min-participants</c>).</summary>
    public int SecureMinParticipants { get; init; } = 3;

    /// <summary>The longest a round of shared-data work units stays open before what it accepted is applied (<c>edgetrain.redundancy.round-timeout</c>).</summary>
    public TimeSpan VoteRoundTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the coordinator keeps its audit signing key when <c>edgetrain.audit.key-file</c> is empty: <c>{data-dir}/audit/coordinator-key.pem</c>.</summary>
    public static string DefaultAuditKeyFile(string dataDirectory) => Path.Combine(dataDirectory, "audit", "coordinator-key.pem");

    /// <summary>The configuration key that names the storage key file (empty: no encryption at rest).</summary>
    public const string StorageKeyFileKey = "edgetrain.storage.key-file";

    /// <summary>Reads the settings from <paramref name="config"/> (falling back to reference.conf), and the storage key file it names.</summary>
    /// <exception cref="EdgeTrain.Core.InvalidInputException">the storage key file is missing or not a key file (the message names it).</exception>
    public static EdgeTrainSettings Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = config.WithFallback(EdgeTrainConfig.ReferenceConfig).GetConfig("edgetrain");
        return new EdgeTrainSettings(
            c.GetString("region"),
            c.GetString("parameters.type-name"),
            c.GetInt("parameters.number-of-shards"),
            c.GetInt("parameters.snapshot-every"),
            c.GetString("aggregation.type-name"),
            c.GetInt("aggregation.number-of-shards"),
            c.GetInt("aggregation.merge-count"),
            c.GetTimeSpan("aggregation.merge-interval"),
            c.GetTimeSpan("aggregation.resend-after"),
            c.GetDouble("aggregation.staleness-exponent"),
            c.GetTimeSpan("training.report-interval"),
            c.GetTimeSpan("training.pull-timeout"),
            c.GetInt("training.torch-threads"),
            c.GetTimeSpan("coordinator.evaluation-interval"),
            c.GetTimeSpan("coordinator.start-step-timeout"),
            c.GetTimeSpan("coordinator.start-retry-interval"),
            c.GetTimeSpan("coordinator.slice-check-interval"),
            c.GetString("data-dir"),
            c.GetTimeSpan("node.leave-timeout"),
            c.GetBoolean("membership.down-gone-peers"),
            c.GetTimeSpan("membership.probe-timeout"),
            c.GetTimeSpan("membership.probe-interval"),
            c.GetInt("training.max-jobs"),
            c.GetTimeSpan("coordinator.stats-timeout"),
            c.GetTimeSpan("coordinator.evaluation-timeout"),
            c.GetTimeSpan("coordinator.slice-ask-timeout"),
            c.GetTimeSpan("coordinator.takeover-delay"),
            c.GetInt("coordinator.member-changes-kept"),
            c.GetTimeSpan("scheduler.interval"),
            new SchedulerOptions(
                c.GetDouble("scheduler.straggler-ratio"),
                c.GetTimeSpan("scheduler.straggler-window"),
                c.GetTimeSpan("scheduler.straggler-grace"),
                c.GetTimeSpan("scheduler.preemption-cooldown")),
            c.GetTimeSpan("training.merge-wait-poll"),
            c.GetTimeSpan("training.not-ready-retry"),
            c.GetTimeSpan("parameters.trim-retry-after"),
            SecuritySettings.Create(c, c.GetString("data-dir")),
            StorageKeyOf(config))
        {
            AuditKeyFile = c.GetString("audit.key-file") is { Length: > 0 } keyFile ? keyFile : DefaultAuditKeyFile(c.GetString("data-dir")),
            AuditChunkEntries = Math.Max(1, c.GetInt("audit.chunk-entries")),
            Reputation = new ReputationPolicy(
                c.GetDouble("reputation.bad-weight"),
                c.GetDouble("reputation.quarantine-below"),
                c.GetLong("reputation.minimum-bad"),
                c.GetLong("reputation.trusted-after"),
                c.GetDouble("reputation.trusted-score"),
                c.GetInt("reputation.replicas")),
            Adversary = Adversary.Parse(c.GetString("training.adversary", "")),
            VoteRoundTimeout = c.GetTimeSpan("redundancy.round-timeout"),
            PrivacyLeaseSteps = Math.Max(1, c.GetInt("training.privacy-lease-steps")),
            SecurePhaseTimeout = c.GetTimeSpan("aggregation.secure-phase-timeout"),
            SecureMinParticipants = Math.Max(2, c.GetInt("aggregation.secure-min-participants")),
            SplitStepTimeout = c.GetTimeSpan("training.split-step-timeout"),
            SplitServerIdle = c.GetTimeSpan("training.split-server-idle"),
        };
    }

    /// <summary>The storage key that <c>edgetrain.storage.key-file</c> of <paramref name="config"/> names, or null when it is empty.</summary>
    /// <exception cref="EdgeTrain.Core.InvalidInputException">the file is missing or not a key file (the message names it).</exception>
    public static StorageKey? StorageKeyOf(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return StorageKey.LoadOptional(config.GetString(StorageKeyFileKey, ""));
    }
}
