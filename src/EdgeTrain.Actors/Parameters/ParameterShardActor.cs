using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using EdgeTrain.Core.Aggregation;
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
/// </summary>
public sealed class ParameterShardActor : ReceivePersistentActor
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly string entityId;
    private SliceState? state;
    private int snapshotEvery = 50;
    private long applied;
    private long rejected;
    private DateTime lastUpdateUtc;
    private long previousSnapshot;

    /// <summary>Creates the shard for entity <paramref name="entityId"/>.</summary>
    public ParameterShardActor(string entityId)
    {
        this.entityId = entityId;
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is SliceSnapshot snapshot)
            {
                Restore(snapshot);
                previousSnapshot = offer.Metadata.SequenceNr;
            }
        });
        Recover<SliceCreated>(Create);
        Recover<UpdateApplied>(e =>
        {
            if (state is null)
            {
                log.Error("slice {0}: journal holds update {1} of {2} before the slice was created; skipped", entityId, e.Sequence, e.AggregatorId);
                return;
            }

            if (state.Check(e.AggregatorId, e.Sequence, e.Payload).Kind == UpdateVerdictKind.Accept)
            {
                state.Apply(e.AggregatorId, e.Sequence, e.Payload);
                applied++;
            }
        });
        Recover<RecoveryCompleted>(_ =>
        {
            if (state is not null)
            {
                log.Info("slice {0} recovered at version {1}", entityId, state.Version);
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

            // a copy: the values change with the next update, possibly before the reply is serialized
            Sender.Tell(new SliceData(pull.JobId, pull.Slice, state.Version, state.Values.ToArray()));
        });
        Command<MergedUpdate>(Update);
        Command<GetShardInfo>(info => Sender.Tell(new ShardInfo(
            info.JobId,
            info.Slice,
            state?.Version ?? -1,
            state?.Length ?? 0,
            applied,
            rejected,
            lastUpdateUtc,
            state?.Applied.ToDictionary(kv => kv.Key, kv => kv.Value.Contiguous, StringComparer.Ordinal) ?? [],
            state?.Applied.ToDictionary(kv => kv.Key, kv => kv.Value.Above.ToArray(), StringComparer.Ordinal) ?? [])));
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
        Command<DeleteMessagesFailure>(f => log.Warning("slice {0}: trimming the journal failed: {1}", entityId, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => log.Warning("slice {0}: deleting old snapshots failed: {1}", entityId, f.Cause.Message));
        Command<SaveSnapshotFailure>(f => log.Warning("slice {0}: snapshot failed: {1}", entityId, f.Cause.Message));
    }

    /// <inheritdoc />
    public override string PersistenceId => "slice-" + entityId;

    /// <summary>Props for the entity <paramref name="entityId"/>.</summary>
    public static Props Props(string entityId) => Akka.Actor.Props.Create(() => new ParameterShardActor(entityId));

    private void Init(InitSlice init)
    {
        if (state is not null)
        {
            Sender.Tell(new SliceInitialized(init.JobId, init.Slice, state.Version));
            return;
        }

        var bad = init.Values.Length == 0 ? 0 : PayloadCheck.FirstNonFinite(init.Values);
        if (bad >= 0)
        {
            rejected++;
            log.Warning("slice {0}: initial values refused: {1}", entityId, init.Values.Length == 0 ? "no values" : $"value {bad} is not finite");
            return;
        }

        var sender = Sender;
        Persist(new SliceCreated(init.Values, init.Optimizer, init.SnapshotEvery), created =>
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

        var verdict = state.Check(update.AggregatorId, update.Sequence, update.Payload);
        switch (verdict.Kind)
        {
            case UpdateVerdictKind.Duplicate:
                Sender.Tell(new UpdateAck(update.JobId, update.Slice, update.AggregatorId, update.Sequence, state.Version));
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
        var version = state.Apply(update.AggregatorId, update.Sequence, update.Payload);
        applied++;
        lastUpdateUtc = DateTime.UtcNow;
        var sender = Sender;
        PersistAsync(new UpdateApplied(update.AggregatorId, update.Sequence, update.Payload), e =>
        {
            sender.Tell(new UpdateAck(update.JobId, update.Slice, e.AggregatorId, e.Sequence, version));
            if (version % snapshotEvery == 0)
            {
                SaveSnapshot(ToSnapshot(state));
            }
        });
    }

    private void Create(SliceCreated created)
    {
        state = new SliceState(created.Values.ToArray(), created.Optimizer);
        snapshotEvery = Math.Max(1, created.SnapshotEvery);
    }

    private void Restore(SliceSnapshot s)
    {
        var sequences = s.Contiguous.ToDictionary(
            kv => kv.Key,
            kv => new AppliedSequences(kv.Value, s.Above.TryGetValue(kv.Key, out var above) ? above : []),
            StringComparer.Ordinal);
        state = new SliceState(
            s.Values.ToArray(), s.Optimizer, new ShardOptimizerState(s.Optimizer.Kind, s.First.ToArray(), s.Second.ToArray(), s.Steps), s.Version, sequences);
        snapshotEvery = Math.Max(1, s.SnapshotEvery);
    }

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
}
