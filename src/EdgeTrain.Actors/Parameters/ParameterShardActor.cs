using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Core.Aggregation;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Optimizers;
using EdgeTrain.Core.Parameters;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static EdgeTrain.Actors.Parameters.ShardEvents;

namespace EdgeTrain.Actors.Parameters;

/// <summary>
/// Owns one parameter slice of one job (a Cluster.Sharding entity, id <c>{jobId}:{slice}</c>, on
/// nodes with the <c>params</c> role): answers pulls with its values and version, applies merged
/// updates with the job's outer optimizer, persists every applied update (the incremental
/// checkpoint) and a full snapshot every N updates, and acknowledges each update once it is
/// durable. Applying is exactly-once per aggregator sequence number (<see cref="SliceState"/>).
/// A rollback (<see cref="RestoreSlice"/>) is a journal event too, replayed like an update.
/// <para>
/// Every stored event and snapshot carries a checksum (<see cref="Serialization.TensorPayloadSerializer"/>).
/// A damaged snapshot is logged, deleted and replaced by the snapshot before it plus the journal
/// after that one (the shard keeps two snapshots and that much journal for this): Akka's own recovery
/// runs again in a restarted incarnation, limited to the snapshots below the damaged one. A damaged
/// journal event is logged, counted and skipped, never applied. A slice whose creation event is
/// damaged, with no snapshot to stand in for it, cannot be recovered: the shard logs it, answers
/// pulls with <see cref="SliceNotReady"/> and refuses to be created anew, rather than make up values.
/// </para>
/// <para>
/// With a storage key (<c>edgetrain.storage.key-file</c>) the records are encrypted, and one whose tag
/// does not match counts as damaged, as above. A record encrypted with a key this node does not have is
/// a configuration error, not damage: the shard logs it (persistence id, sequence number, both key ids),
/// recovers nothing, deletes nothing, and answers as a slice that cannot be recovered until it starts
/// again on a node with the right key.
/// </para>
/// </summary>
public sealed class ParameterShardActor : ReceivePersistentActor, IWithTimers
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly string entityId;

    // the node's edgetrain.parameters.snapshot-every: what a slice created without a (valid) interval of its own takes
    private readonly int nodeSnapshotEvery;
    private readonly TimeSpan trimRetryAfter;
    private SliceState? state;
    private int snapshotEvery;
    private long applied;
    private long rejected;
    private DateTime lastUpdateUtc;
    private long previousSnapshot;

    // updates applied in memory whose journal write has not completed: not yet acknowledged
    private readonly HashSet<(string AggregatorId, long Sequence)> writing = [];
    private long corrupt;

    // > 0 when the snapshot Akka offered is damaged: the journal replayed after it is ignored, and once
    // the replay is over the snapshot is deleted and the actor restarts to recover from an older one
    private long damagedSnapshot;

    // set on an incarnation that follows a damaged snapshot (before Akka reads Recovery): it recovers
    // from the newest snapshot below that one, whether or not the deletion has completed
    private CorruptSnapshotException? fallback;

    // updates replayed before any creation event (the journal before them is trimmed, or the creation
    // event is damaged), and why the slice cannot be recovered, if it cannot
    private long orphaned;
    private string? lost;

    // the first record of the recovery that is encrypted with a storage key this node does not have
    // (another key, or one while the node has none): nothing of the slice is recovered on this node
    private string? otherKey;

    // when the entity started (recovery began, in its first incarnation) and how many journal events it
    // replayed: logged once it is recovered
    private long startedAt = Stopwatch.GetTimestamp();
    private int replayed;

    /// <summary>
    /// Creates the shard for entity <paramref name="entityId"/>; <paramref name="settings"/> give the
    /// snapshot interval of a slice whose creation does not name a valid one.
    /// </summary>
    public ParameterShardActor(string entityId, EdgeTrainSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        this.entityId = entityId;
        nodeSnapshotEvery = settings.SnapshotEvery;
        trimRetryAfter = settings.TrimRetryAfter;
        snapshotEvery = nodeSnapshotEvery;
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is CorruptSnapshot { OtherKey: true } foreign)
            {
                ForeignKey($"snapshot {offer.Metadata.SequenceNr}", foreign.Reason);
            }
            else if (!Offered(offer.Metadata, offer.Snapshot))
            {
                damagedSnapshot = offer.Metadata.SequenceNr;
            }
        });
        Recover<SliceCreated>(e =>
        {
            if (Replaying)
            {
                Create(e);
            }
        });
        Recover<UpdateApplied>(e =>
        {
            if (Replaying)
            {
                Replay(e);
            }
        });
        Recover<ValuesRestored>(e =>
        {
            if (Replaying)
            {
                Replay(e);
            }
        });
        Recover<CorruptEvent>(e =>
        {
            if (e.OtherKey)
            {
                ForeignKey($"journal event {LastSequenceNr}", e.Reason);
            }
            else if (Replaying)
            {
                Damaged(e, LastSequenceNr);
            }
        });
        Recover<RecoveryCompleted>(_ =>
        {
            if (damagedSnapshot > 0)
            {
                FallBackFrom(damagedSnapshot);
            }
            else
            {
                Recovered();
            }
        });

        Command<InitSlice>(Init);
        Command<PullSlice>(pull =>
        {
            if (state is null)
            {
                Sender.Tell(new SliceNotReady(pull.JobId, pull.Slice));
                return;
            }

            if (pull.HaveVersion == state.Version)
            {
                Sender.Tell(new SliceUnchanged(pull.JobId, pull.Slice, state.Version));
                return;
            }

            // an asker a few versions behind gets only the positions that changed since (lossless)
            if (state.Changes.ChangedSince(pull.HaveVersion, state.Version) is { } changed)
            {
                Sender.Tell(new SliceChanges(pull.JobId, pull.Slice, pull.HaveVersion, state.Version, SparseValues.Gather(state.Values, changed)));
                return;
            }

            // a copy: the values change with the next update, possibly before the reply is serialized
            Sender.Tell(new SliceData(pull.JobId, pull.Slice, state.Version, state.Values.ToArray()));
        });
        Command<MergedUpdate>(Update);
        Command<RestoreSlice>(RestoreValues);
        Command<GetShardInfo>(info => Sender.Tell(new ShardInfo(
            info.JobId,
            info.Slice,
            state?.Version ?? -1,
            state?.Length ?? 0,
            applied,
            rejected,
            lastUpdateUtc,
            state?.Applied.ToDictionary(kv => kv.Key, kv => kv.Value.Contiguous, StringComparer.Ordinal) ?? [],
            state?.Applied.ToDictionary(kv => kv.Key, kv => kv.Value.Above.ToArray(), StringComparer.Ordinal) ?? [],
            corrupt)));
        Command<SaveSnapshotSuccess>(saved =>
        {
            // keep the newest two snapshots and the journal after the older one, so that a damaged
            // newest snapshot can still be rebuilt from the one before it plus the journal
            if (previousSnapshot > 0)
            {
                DeleteMessages(previousSnapshot);
                DeleteSnapshots(new SnapshotSelectionCriteria(previousSnapshot - 1));
            }

            previousSnapshot = saved.Metadata.SequenceNr;
        });
        Command<DeleteMessagesSuccess>(_ => { });
        // SQLite refuses a write at once (no waiting) when another connection of the node is writing
        // and this transaction has read first: the snapshot store's delete beside the journal's
        Command<DeleteMessagesFailure>(f =>
        {
            log.Warning("slice {0}: trimming the journal up to {1} failed, trying again in {2}: {3}", entityId, f.ToSequenceNr, trimRetryAfter, f.Cause.Message);
            Timers.StartSingleTimer("trim-journal", new TrimAgain(f.ToSequenceNr, Snapshots: false), trimRetryAfter);
        });
        Command<DeleteSnapshotsFailure>(f =>
        {
            log.Warning("slice {0}: deleting snapshots up to {1} failed, trying again in {2}: {3}", entityId, f.Criteria.MaxSequenceNr, trimRetryAfter, f.Cause.Message);
            Timers.StartSingleTimer("trim-snapshots", new TrimAgain(f.Criteria.MaxSequenceNr, Snapshots: true), trimRetryAfter);
        });

        // idempotent, and a later snapshot's trim covers an older one anyway
        Command<TrimAgain>(again =>
        {
            if (again.Snapshots)
            {
                DeleteSnapshots(new SnapshotSelectionCriteria(again.ToSequenceNr));
            }
            else
            {
                DeleteMessages(again.ToSequenceNr);
            }
        });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotSuccess>(d => log.Info("slice {0}: corrupt snapshot {1} deleted", entityId, d.Metadata.SequenceNr));
        Command<DeleteSnapshotFailure>(f => log.Warning("slice {0}: deleting corrupt snapshot {1} failed: {2}", entityId, f.Metadata.SequenceNr, f.Cause.Message));
        Command<SaveSnapshotFailure>(f => log.Warning("slice {0}: snapshot failed: {1}", entityId, f.Cause.Message));
    }

    /// <inheritdoc />
    public override string PersistenceId => "slice-" + entityId;

    // whether a replayed event is applied: not after a damaged snapshot (the recovery starts over
    // below it), nor once a record of another storage key was met (nothing is recovered)
    private bool Replaying => damagedSnapshot == 0 && otherKey is null;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Recovers from the newest snapshot, or, in the incarnation after a damaged snapshot, from the
    /// newest one below it (see <see cref="FallBackFrom"/>).
    /// </summary>
    public override Recovery Recovery =>
        fallback is null ? Recovery.Default : new Recovery(new SnapshotSelectionCriteria(fallback.Damaged - 1));

    /// <summary>Props for the entity <paramref name="entityId"/> on a node with <paramref name="settings"/>.</summary>
    public static Props Props(string entityId, EdgeTrainSettings settings) =>
        Akka.Actor.Props.Create(() => new ParameterShardActor(entityId, settings));

    /// <summary>
    /// Takes over what the incarnation before learnt when it restarted for a damaged snapshot (the
    /// snapshot to recover below, the corrupt records counted, when recovery began). Done before the
    /// base class runs, because that is where Akka reads <see cref="Recovery"/> for the new incarnation.
    /// </summary>
    public override void AroundPostRestart(Exception cause, object message)
    {
        fallback = cause as CorruptSnapshotException;
        if (fallback is not null)
        {
            corrupt = fallback.Corrupt;
            startedAt = fallback.StartedAt;
        }

        base.AroundPostRestart(cause, message);
    }

    private void Init(InitSlice init)
    {
        if (state is not null)
        {
            Sender.Tell(new SliceInitialized(init.JobId, init.Slice, state.Version));
            return;
        }

        if (lost is not null)
        {
            // new values would pass for the trained ones: the job has to be started anew instead (or,
            // for records of another storage key, this node given the cluster's key)
            log.Error("slice {0} ({1}) cannot be recovered ({2}); it will not be created again with new values", entityId, PersistenceId, lost);
            Sender.Tell(new SliceInitRefused(init.JobId, init.Slice, otherKey is not null
                ? $"slice {entityId} ({PersistenceId}) cannot be read on this node ({lost}); give the node the cluster's storage key file and restart it"
                : $"slice {entityId} ({PersistenceId}) holds trained values that cannot be recovered ({lost}); start the job anew under another name"));
            return;
        }

        var bad = init.Values.Length == 0 ? 0 : PayloadCheck.FirstNonFinite(init.Values);
        if (bad >= 0)
        {
            rejected++;
            var why = init.Values.Length == 0 ? "no values" : $"value {bad} is not finite";
            log.Warning("slice {0}: initial values refused: {1}", entityId, why);
            Sender.Tell(new SliceInitRefused(init.JobId, init.Slice, $"slice {entityId}: initial values refused: {why}"));
            return;
        }

        var sender = Sender;
        Persist(new SliceCreated(init.Values, init.Optimizer, Interval(init.SnapshotEvery)), created =>
        {
            Create(created);
            log.Info("slice {0} created: {1} floats, {2}", entityId, created.Values.Length, created.Optimizer.Kind);
            sender.Tell(new SliceInitialized(init.JobId, init.Slice, 0));
        });
    }

    private void Update(MergedUpdate update)
    {
        if (state is null)
        {
            // the aggregator keeps the update and sends it again; the slice may be recovering
            log.Warning("slice {0}: update {1} of {2} arrived before the slice exists; not acknowledged", entityId, update.Sequence, update.AggregatorId);
            return;
        }

        if (!TensorCodecs.TryDecode(update.Payload, state.Length, $"merged update {update.Sequence} of {update.AggregatorId}", out var delta, out var problem))
        {
            rejected++;
            log.Warning("slice {0}: update {1} of {2} rejected: {3} (rejected so far: {4})", entityId, update.Sequence, update.AggregatorId, problem, rejected);
            Sender.Tell(new UpdateRejected(update.JobId, update.Slice, update.AggregatorId, update.Sequence, problem));
            return;
        }

        var verdict = state.Check(update.AggregatorId, update.Sequence, delta);
        switch (verdict.Kind)
        {
            case UpdateVerdictKind.Duplicate:
                // applied already; acknowledge it only if it is durable too — while its write is
                // under way, the write's own handler sends the acknowledgement
                if (!writing.Contains((update.AggregatorId, update.Sequence)))
                {
                    Sender.Tell(new UpdateAck(update.JobId, update.Slice, update.AggregatorId, update.Sequence, state.Version));
                }

                return;
            case UpdateVerdictKind.Reject:
                rejected++;
                log.Warning("slice {0}: update {1} of {2} rejected: {3} (rejected so far: {4})", entityId, update.Sequence, update.AggregatorId, verdict.Reason, rejected);
                Sender.Tell(new UpdateRejected(update.JobId, update.Slice, update.AggregatorId, update.Sequence, verdict.Reason!));
                return;
        }

        // Applied at once, so pulls see it without waiting for the disk; acknowledged only once the
        // journal holds it. PersistAsync does not hold back pulls while the write is under way, and
        // it keeps the journal in the order the updates were applied, so a replay gives the same bits.
        // An update lost with an unfinished write was never acknowledged: its aggregator sends it again.
        var version = state.Apply(update.AggregatorId, update.Sequence, delta);
        applied++;
        lastUpdateUtc = DateTime.UtcNow;
        var sender = Sender;
        writing.Add((update.AggregatorId, update.Sequence));
        PersistAsync(new UpdateApplied(update.AggregatorId, update.Sequence, update.Payload), e =>
        {
            writing.Remove((e.AggregatorId, e.Sequence));
            sender.Tell(new UpdateAck(update.JobId, update.Slice, e.AggregatorId, e.Sequence, version));
            if (version % snapshotEvery == 0)
            {
                SaveSnapshot(ToSnapshot(state));
            }
        });
    }

    /// <summary>
    /// Rolls the slice back to a checkpoint's values. Persisted (with <c>Persist</c>, so commands wait
    /// until it is durable: no pull sees the restored values before the journal holds them, and none
    /// after it sees the old ones) and then applied with <see cref="SliceState.Restore"/>: values
    /// overwritten, optimizer state reset, version + 1. Updates in flight that were formed from the
    /// values before the rollback are still applied on top when they arrive (asynchronous training).
    /// </summary>
    private void RestoreValues(RestoreSlice restore)
    {
        var problem = state is null ? lost ?? "the slice does not exist"
            : restore.Values.Length != state.Length ? $"{restore.Values.Length} floats; the slice has {state.Length}"
            : PayloadCheck.FirstNonFinite(restore.Values) is var bad and >= 0 ? $"value {bad} is not finite"
            : null;
        if (problem is not null)
        {
            log.Warning("slice {0}: restore to checkpoint {1} refused: {2}", entityId, restore.CheckpointId, problem);
            Sender.Tell(new RestoreRefused(restore.JobId, restore.Slice, restore.CheckpointId, problem));
            return;
        }

        var sender = Sender;
        Persist(new ValuesRestored(restore.CheckpointId, restore.Values), e =>
        {
            var version = state!.Restore(e.Values);
            lastUpdateUtc = DateTime.UtcNow;
            log.Info("slice {0}: restored to checkpoint {1}, now at version {2}", entityId, e.CheckpointId, version);
            sender.Tell(new SliceRestored(restore.JobId, restore.Slice, e.CheckpointId, version));
            if (version % snapshotEvery == 0)
            {
                SaveSnapshot(ToSnapshot(state));
            }
        });
    }

    /// <summary>
    /// Restores the snapshot Akka's recovery offered (the newest, or after a fall-back the newest below
    /// the damaged one); false, after logging and counting it, when it is damaged.
    /// </summary>
    private bool Offered(SnapshotMetadata metadata, object snapshot)
    {
        if (snapshot is SliceSnapshot s)
        {
            Restore(s);
            previousSnapshot = metadata.SequenceNr;
            return true;
        }

        corrupt++;
        var reason = snapshot is CorruptSnapshot c ? c.Reason : $"a {snapshot?.GetType().Name ?? "null"} instead of a slice snapshot";
        log.Error(
            "slice {0}: snapshot {1} of {2} is corrupt and is skipped ({3}); recovering from the snapshot before it and the journal after that one",
            entityId,
            metadata.SequenceNr,
            metadata.PersistenceId,
            reason);
        return false;
    }

    /// <summary>
    /// Ends the recovery of an incarnation that Akka offered the damaged snapshot <paramref name="damaged"/>:
    /// deletes it (so no later recovery meets it again) and throws, so that the parent restarts the
    /// entity (Akka's default supervision, and the sharding Shard's) and Akka's own recovery runs again,
    /// limited to the snapshots below it (<see cref="Recovery"/>) and the journal after the one it finds.
    /// Commands that arrived meanwhile stay in the mailbox for the next incarnation. Each restart goes to
    /// an older snapshot, so this ends: at the latest with the whole journal and no snapshot.
    /// </summary>
    [DoesNotReturn]
    private void FallBackFrom(long damaged)
    {
        DeleteSnapshot(damaged);
        throw new CorruptSnapshotException(entityId, PersistenceId, damaged, corrupt, startedAt);
    }

    private void Replay(UpdateApplied e)
    {
        replayed++;
        if (state is null)
        {
            orphaned++;
            return;
        }

        if (!TensorCodecs.TryDecode(e.Payload, state.Length, $"{PersistenceId} journal entry of update {e.Sequence} from {e.AggregatorId}", out var delta, out var problem))
        {
            corrupt++;
            log.Error("slice {0}: {1}; the entry is skipped", entityId, problem);
            return;
        }

        if (state.Check(e.AggregatorId, e.Sequence, delta).Kind == UpdateVerdictKind.Accept)
        {
            state.Apply(e.AggregatorId, e.Sequence, delta);
            applied++;
        }
    }

    private void Replay(ValuesRestored e)
    {
        replayed++;
        if (state is null)
        {
            orphaned++;
            return;
        }

        if (e.Values.Length == state.Length)
        {
            state.Restore(e.Values);
        }
    }

    private void Damaged(CorruptEvent e, long sequenceNr)
    {
        corrupt++;
        if (e.Manifest == "SC" && state is null)
        {
            lost = $"its creation event {sequenceNr} is corrupt and no snapshot holds the slice";
        }

        log.Error(
            "slice {0}: journal event {1} of {2} is corrupt and is skipped, never applied ({3}; corrupt records so far: {4})",
            entityId,
            sequenceNr,
            PersistenceId,
            e.Reason,
            corrupt);
    }

    /// <summary>
    /// A record of the recovery (<paramref name="which"/>) is encrypted with a storage key this node does
    /// not have. That is a node's configuration, not damage: nothing of the slice is recovered here (a
    /// recovery that skipped those records would go on from older values and, with its next snapshot,
    /// trim the journal that holds the newer ones), and nothing is deleted. The slice answers
    /// <see cref="SliceNotReady"/> until the entity starts again on a node with the right key.
    /// </summary>
    private void ForeignKey(string which, string reason)
    {
        if (otherKey is null)
        {
            otherKey = $"its {which} is encrypted with another storage key: {reason}";
            log.Error(
                "slice {0}: {1} of {2} is encrypted with a storage key this node does not have and is not read ({3}); the slice is not recovered on this node, and nothing of it is deleted",
                entityId,
                which,
                PersistenceId,
                reason);
        }
    }

    private void Recovered()
    {
        if (otherKey is not null)
        {
            // whatever was read before the record of another key would be stale: none of it is kept
            state = null;
            lost = otherKey;
            log.Error("slice {0} ({1}) cannot be recovered on this node: {2}; it answers pulls with SliceNotReady, writes and deletes nothing", entityId, PersistenceId, lost);
            return;
        }

        if (fallback is not null)
        {
            log.Warning(
                "slice {0}: rebuilt without corrupt snapshot {1}, from {2} and the journal after it",
                entityId,
                fallback.Damaged,
                previousSnapshot > 0 ? $"snapshot {previousSnapshot}" : "no snapshot");
        }

        if (state is not null)
        {
            log.Info("slice {0} recovered at version {1} in {2:0} ms (snapshot at {3}, {4} journal events replayed)",
                entityId, state.Version, Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds, previousSnapshot, replayed);
            return;
        }

        if (orphaned > 0)
        {
            lost ??= $"the journal holds {orphaned} updates but neither the slice's creation nor a snapshot of it";
        }

        if (lost is not null)
        {
            log.Error("slice {0} ({1}) cannot be recovered: {2}; it answers pulls with SliceNotReady", entityId, PersistenceId, lost);
        }
    }

    private void Create(SliceCreated created)
    {
        state = new SliceState(created.Values.ToArray(), created.Optimizer);
        snapshotEvery = Interval(created.SnapshotEvery);
    }

    private void Restore(SliceSnapshot s)
    {
        var sequences = s.Contiguous.ToDictionary(
            kv => kv.Key,
            kv => new AppliedSequences(kv.Value, s.Above.TryGetValue(kv.Key, out var above) ? above : []),
            StringComparer.Ordinal);
        state = new SliceState(
            s.Values.ToArray(), s.Optimizer, new ShardOptimizerState(s.Optimizer.Kind, s.First.ToArray(), s.Second.ToArray(), s.Steps), s.Version, sequences);
        snapshotEvery = Interval(s.SnapshotEvery);
    }

    /// <summary>The slice's snapshot interval: <paramref name="requested"/>, or the node's when it is not positive.</summary>
    private int Interval(int requested) => requested > 0 ? requested : Math.Max(1, nodeSnapshotEvery);

    private SliceSnapshot ToSnapshot(SliceState s) => new(
        s.Version,
        s.Values.ToArray(),
        s.Optimizer,
        snapshotEvery,
        s.OptimizerState.First.ToArray(),
        s.OptimizerState.Second.ToArray(),
        s.OptimizerState.Steps,
        s.Applied.ToDictionary(kv => kv.Key, kv => kv.Value.Contiguous, StringComparer.Ordinal),
        s.Applied.ToDictionary(kv => kv.Key, kv => kv.Value.Above.ToArray(), StringComparer.Ordinal));

    /// <summary>
    /// Thrown at the end of a recovery that met the damaged snapshot <see cref="Damaged"/>: the
    /// restart it causes recovers from an older snapshot. Carries what the next incarnation keeps.
    /// </summary>
    private sealed class CorruptSnapshotException(string entityId, string persistenceId, long damaged, long corrupt, long startedAt)
        : Exception($"slice {entityId} ({persistenceId}) restarts to recover from a snapshot below damaged snapshot {damaged}")
    {
        public long Damaged { get; } = damaged;

        public long Corrupt { get; } = corrupt;

        public long StartedAt { get; } = startedAt;
    }

    private sealed record TrimAgain(long ToSequenceNr, bool Snapshots);
}
