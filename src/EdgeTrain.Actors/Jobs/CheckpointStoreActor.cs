using Akka.Actor;
using EdgeTrain.Core;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Core.Scheduling;
using EdgeTrain.Core.Security;
using static EdgeTrain.Actors.Jobs.CheckpointProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// Keeps the jobs' checkpoint files, a child of the coordinator, with asynchronous file I/O. The
/// coordinator forwards each checkpoint request with what its journal holds of the job
/// (<see cref="Request"/>); this actor answers it: a save pulls every slice, writes
/// <c>{data-dir}/jobs/{job}/checkpoints/{id}.ckpt</c> and hands the record back to the coordinator, which
/// journals it (<see cref="CheckpointTaken"/>) and answers; a rollback reads the file, checks it against
/// the journal's record, restores every slice and hands the outcome to the coordinator, which audits it and
/// answers; a fetch reads one chunk; a list needs no I/O.
/// With the node's storage key (<c>edgetrain.storage.key-file</c>) the files are written encrypted, a
/// rollback reads only files encrypted with that key, and a fetch hands out the file as stored
/// (encrypted): whoever exports it needs the key to read it.
/// </summary>
public sealed class CheckpointStoreActor : ReceiveActor
{
    /// <summary>Bytes in one <see cref="CheckpointChunk"/>: well under the transport's frame size.</summary>
    public const int ChunkBytes = 1 << 20;

    private readonly IActorRef shards;
    private readonly string dataDirectory;
    private readonly TimeSpan timeout;
    private readonly TimeProvider time;
    private readonly StorageKey? key;
    private readonly Dictionary<string, long> reserved = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates the store for the files under <paramref name="dataDirectory"/>; with <paramref name="key"/>
    /// it writes them encrypted and reads only files encrypted with that key.
    /// </summary>
    public CheckpointStoreActor(IActorRef shards, string dataDirectory, TimeSpan timeout, TimeProvider time, StorageKey? key = null)
    {
        this.time = time;
        this.key = key;
        this.shards = shards;
        this.dataDirectory = dataDirectory;
        this.timeout = timeout;
        Receive<Request>(Handle);
        Receive<Pulled>(Write);
    }

    /// <summary>Props for the store; <paramref name="key"/>: the node's storage key (<see cref="Configuration.EdgeTrainSettings.StorageKey"/>), or null.</summary>
    public static Props Props(IActorRef shards, string dataDirectory, TimeSpan timeout, TimeProvider time, StorageKey? key = null) =>
        Akka.Actor.Props.Create(() => new CheckpointStoreActor(shards, dataDirectory, timeout, time, key));

    /// <summary>Whether <paramref name="message"/> is a checkpoint request this store answers (forwarded as a <see cref="Request"/>).</summary>
    public static bool Handles(object message) => message is SaveCheckpoint or ListCheckpoints or RollbackCheckpoint or FetchCheckpoint;

    /// <summary>The job a checkpoint request is about.</summary>
    public static string JobOf(object request) => request switch
    {
        SaveCheckpoint s => s.JobId,
        ListCheckpoints l => l.JobId,
        RollbackCheckpoint r => r.JobId,
        FetchCheckpoint f => f.JobId,
        _ => throw new ArgumentException($"not a checkpoint request: {request?.GetType().Name}", nameof(request)),
    };

    /// <summary>The record the journal keeps of a checkpoint, as the protocol shows it.</summary>
    public static CheckpointInfo Info(string jobId, CheckpointRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new CheckpointInfo(jobId, record.Id, record.TakenUtc, record.Label,
            [.. record.Versions.Select((version, i) => new CheckpointSliceInfo(i, version, record.Lengths[i]))], record.Lengths.Sum(l => (long)l), record.ContentHash);
    }

    private void Handle(Request request)
    {
        var jobId = JobOf(request.Message);
        var id = request.Message switch
        {
            RollbackCheckpoint r => r.CheckpointId,
            FetchCheckpoint f => f.CheckpointId,
            _ => (long?)null,
        };
        if (request.Job is not { } job)
        {
            Sender.Tell(new CheckpointUnknown(jobId, null, $"no job '{jobId}'"));
            return;
        }

        if (request.Message is SaveCheckpoint save)
        {
            // one above every checkpoint recorded or under way, so that two saves at once never share a number
            var next = Math.Max(reserved.GetValueOrDefault(jobId), job.Checkpoints.Length == 0 ? 0 : job.Checkpoints.Max(c => c.Id)) + 1;
            reserved[jobId] = next;
            Pull(new Save(jobId, next, save.Label, job.SliceLengths.Length, Sender));
            return;
        }

        if (request.Message is ListCheckpoints)
        {
            Sender.Tell(new CheckpointList(jobId, [.. job.Checkpoints.Select(c => Info(jobId, c))]));
            return;
        }

        var record = id is null ? job.Checkpoints.LastOrDefault() : job.Checkpoints.FirstOrDefault(c => c.Id == id);
        if (record is null)
        {
            Sender.Tell(new CheckpointUnknown(jobId, id, job.Checkpoints.Length == 0
                ? $"job {jobId} has no checkpoints; save one first"
                : $"job {jobId} has no checkpoint {id}; it has {string.Join(", ", job.Checkpoints.Select(c => c.Id))}"));
        }
        else if (request.Message is RollbackCheckpoint)
        {
            Restore(new Rollback(jobId, record, job.SliceLengths, Sender));
        }
        else if (request.Message is FetchCheckpoint fetch)
        {
            Read(new Fetch(Info(jobId, record), fetch.Offset, Sender));
        }
    }

    private void Pull(Save save)
    {
        Task.WhenAll(Enumerable.Range(0, save.Slices).Select(i => shards.Ask<object>(new PullSlice(save.JobId, i, -1), timeout)))
            .PipeTo(Self,
                success: replies => new Pulled(save, replies, null),
                failure: e => new Pulled(save, [], $"a slice did not answer: {e.GetBaseException().Message}"));
    }

    // every slice's values are here: the file is written off this actor's thread, and the coordinator hears of it when it is on disk
    private void Write(Pulled pulled)
    {
        var save = pulled.Save;
        var problem = pulled.Problem ?? pulled.Replies.Where(r => r is not SliceData).Select(r => $"a slice answered {r.GetType().Name}").FirstOrDefault();
        if (problem is not null)
        {
            save.ReplyTo.Tell(new CheckpointFailed(save.JobId, problem));
            return;
        }

        var slices = pulled.Replies.Cast<SliceData>().OrderBy(d => d.Slice).Select(d => new CheckpointSlice(d.Slice, d.Version, d.Values)).ToArray();
        var contents = new CheckpointContents(save.JobId, save.Id, time.GetUtcNow().UtcDateTime, string.IsNullOrEmpty(save.Label) ? null : save.Label, slices);
        var path = JobFiles.CheckpointPath(dataDirectory, save.JobId, save.Id);
        var record = new CheckpointRecord(save.Id, contents.TakenUtc, contents.Label, [.. slices.Select(s => s.Version)], [.. slices.Select(s => s.Values.Length)], contents.ContentHash);
        var parent = Context.Parent;
        CheckpointFile.WriteAsync(path, contents, key).ContinueWith(
            written =>
            {
                if (written.IsCompletedSuccessfully)
                {
                    parent.Tell(new Written(save.JobId, record, path, save.ReplyTo));
                }
                else
                {
                    save.ReplyTo.Tell(new CheckpointFailed(save.JobId, $"writing {path} failed: {written.Exception?.GetBaseException().Message}"));
                }
            },
            TaskScheduler.Default);
    }

    private void Restore(Rollback rollback)
    {
        var (jobId, record, replyTo, parent, storageKey) = (rollback.JobId, rollback.Checkpoint, rollback.ReplyTo, Context.Parent, key);
        var path = JobFiles.CheckpointPath(dataDirectory, jobId, record.Id);
        Restored().PipeTo(
            parent,
            success: answer => new RollbackDone(jobId, record.Id, answer, replyTo),
            failure: e => new RollbackDone(jobId, record.Id, new CheckpointFailed(jobId, $"the rollback failed: {e.GetBaseException().Message}"), replyTo));

        async Task<object> Restored()
        {
            CheckpointContents contents;
            try
            {
                contents = await CheckpointFile.ReadAsync(path, storageKey).ConfigureAwait(false);
            }
            catch (InvalidInputException e)
            {
                return new CheckpointFailed(jobId, e.Message);
            }

            if (contents.ContentHash != record.ContentHash || !contents.Slices.Select(s => s.Values.Length).SequenceEqual(rollback.SliceLengths))
            {
                return new CheckpointFailed(jobId, $"the file of checkpoint {record.Id} ({path}) does not hold what the journal recorded of it (slices or CRC-32C differ)");
            }

            parent.Tell(new Noted(jobId, $"rolling back to checkpoint {record.Id}"));
            object[] replies;
            try
            {
                replies = await Task.WhenAll(contents.Slices.Select(s => shards.Ask<object>(new RestoreSlice(jobId, s.Index, record.Id, s.Values), timeout))).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return new CheckpointFailed(jobId, $"a slice did not answer the rollback: {e.Message}; slices that answered hold checkpoint {record.Id}, roll back again");
            }

            return replies.OfType<RestoreRefused>().FirstOrDefault() is { } refused ? new CheckpointFailed(jobId, $"slice {refused.Slice} refused the rollback: {refused.Reason}")
                : replies.All(r => r is SliceRestored) ? new RolledBack(jobId, record.Id, [.. replies.Cast<SliceRestored>().OrderBy(r => r.Slice).Select(r => r.Version)])
                : new CheckpointFailed(jobId, $"unexpected answers: {string.Join(", ", replies.Select(r => r.GetType().Name).Distinct())}");
        }
    }

    private void Read(Fetch fetch)
    {
        var path = JobFiles.CheckpointPath(dataDirectory, fetch.Checkpoint.JobId, fetch.Checkpoint.Id);
        Chunk().PipeTo(fetch.ReplyTo);

        async Task<object> Chunk()
        {
            try
            {
                await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous);
                var offset = Math.Clamp(fetch.Offset, 0, file.Length);
                file.Position = offset;
                var chunk = new byte[(int)Math.Min(ChunkBytes, file.Length - offset)];
                await file.ReadExactlyAsync(chunk).ConfigureAwait(false);
                return new CheckpointChunk(fetch.Checkpoint, offset, file.Length, chunk);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new CheckpointFailed(fetch.Checkpoint.JobId, $"reading {path} failed: {e.Message}");
            }
        }
    }

    /// <summary>
    /// A checkpoint request (<see cref="SaveCheckpoint"/>, <see cref="ListCheckpoints"/>, <see cref="RollbackCheckpoint"/>,
    /// <see cref="FetchCheckpoint"/>) forwarded by the coordinator with what its journal holds of the job (null: no such job).
    /// </summary>
    public sealed record Request(object Message, JobCheckpoints? Job);

    /// <summary>A job's slice lengths and the checkpoints its coordinator's journal recorded, oldest first.</summary>
    public sealed record JobCheckpoints(string JobId, int[] SliceLengths, CheckpointRecord[] Checkpoints);

    /// <summary>To the coordinator: the checkpoint's file is written; journal <paramref name="Checkpoint"/> and answer <paramref name="ReplyTo"/>.</summary>
    public sealed record Written(string JobId, CheckpointRecord Checkpoint, string Path, IActorRef ReplyTo);

    /// <summary>
    /// To the coordinator: a rollback to checkpoint <paramref name="CheckpointId"/> ended with <paramref name="Answer"/>
    /// (<see cref="RolledBack"/> or <see cref="CheckpointFailed"/>); note and audit it, then answer <paramref name="ReplyTo"/>.
    /// </summary>
    public sealed record RollbackDone(string JobId, long CheckpointId, object Answer, IActorRef ReplyTo);

    /// <summary>To the coordinator: something to note in the job's events.</summary>
    public sealed record Noted(string JobId, string Text);

    private sealed record Save(string JobId, long Id, string? Label, int Slices, IActorRef ReplyTo);

    private sealed record Rollback(string JobId, CheckpointRecord Checkpoint, int[] SliceLengths, IActorRef ReplyTo);

    private sealed record Fetch(CheckpointInfo Checkpoint, long Offset, IActorRef ReplyTo);

    private sealed record Pulled(Save Save, object[] Replies, string? Problem);
}
