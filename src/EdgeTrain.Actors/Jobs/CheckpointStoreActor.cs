using Akka.Actor;
using EdgeTrain.Core;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Core.Scheduling;
using static EdgeTrain.Actors.Jobs.CheckpointProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// Keeps the jobs' checkpoint files, a child of the coordinator, with asynchronous file I/O: saving
/// pulls every slice and writes <c>{data-dir}/jobs/{job}/checkpoints/{id}.ckpt</c>, then hands the
/// record to the coordinator, which journals it (<see cref="CheckpointTaken"/>) and answers; a rollback
/// reads the file, checks it against the journal's record and restores every slice; a fetch reads one
/// chunk. The coordinator decides which checkpoint (it holds the records); this actor does the I/O and
/// the asking, and answers the requester itself where the journal has nothing to add.
/// </summary>
public sealed class CheckpointStoreActor : ReceiveActor
{
    /// <summary>Bytes in one <see cref="CheckpointChunk"/>: well under the transport's frame size.</summary>
    public const int ChunkBytes = 1 << 20;

    private readonly IActorRef shards;
    private readonly string dataDirectory;
    private readonly TimeSpan timeout;
    private readonly TimeProvider time;

    /// <summary>Creates the store for the files under <paramref name="dataDirectory"/>.</summary>
    public CheckpointStoreActor(IActorRef shards, string dataDirectory, TimeSpan timeout, TimeProvider time)
    {
        this.time = time;
        this.shards = shards;
        this.dataDirectory = dataDirectory;
        this.timeout = timeout;
        Receive<Save>(Pull);
        Receive<Pulled>(Write);
        Receive<Rollback>(Restore);
        Receive<Fetch>(Read);
    }

    /// <summary>Props for the store.</summary>
    public static Props Props(IActorRef shards, string dataDirectory, TimeSpan timeout, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new CheckpointStoreActor(shards, dataDirectory, timeout, time));

    /// <summary>The record the journal keeps of a checkpoint, as the protocol shows it.</summary>
    public static CheckpointInfo Info(string jobId, CheckpointRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new CheckpointInfo(jobId, record.Id, record.TakenUtc, record.Label,
            [.. record.Versions.Select((version, i) => new CheckpointSliceInfo(i, version, record.Lengths[i]))], record.Lengths.Sum(l => (long)l), record.ContentHash);
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
        CheckpointFile.WriteAsync(path, contents).ContinueWith(
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
        var (jobId, record, replyTo, parent) = (rollback.JobId, rollback.Checkpoint, rollback.ReplyTo, Context.Parent);
        var path = JobFiles.CheckpointPath(dataDirectory, jobId, record.Id);
        Restored().PipeTo(replyTo, success: answer =>
        {
            parent.Tell(new Noted(jobId, answer is RolledBack done ? $"rolled back to checkpoint {done.CheckpointId}" : $"rollback failed: {((CheckpointFailed)answer).Reason}"));
            return answer;
        });

        async Task<object> Restored()
        {
            CheckpointContents contents;
            try
            {
                contents = await CheckpointFile.ReadAsync(path).ConfigureAwait(false);
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

    /// <summary>Save checkpoint <paramref name="Id"/> of a job's <paramref name="Slices"/> slices; the answer goes to <paramref name="ReplyTo"/>.</summary>
    public sealed record Save(string JobId, long Id, string? Label, int Slices, IActorRef ReplyTo);

    /// <summary>To the coordinator: the checkpoint's file is written; journal <paramref name="Checkpoint"/> and answer <paramref name="ReplyTo"/>.</summary>
    public sealed record Written(string JobId, CheckpointRecord Checkpoint, string Path, IActorRef ReplyTo);

    /// <summary>Roll a job's slices (of <paramref name="SliceLengths"/>) back to <paramref name="Checkpoint"/>; the answer goes to <paramref name="ReplyTo"/>.</summary>
    public sealed record Rollback(string JobId, CheckpointRecord Checkpoint, int[] SliceLengths, IActorRef ReplyTo);

    /// <summary>Send <paramref name="ReplyTo"/> the chunk of <paramref name="Checkpoint"/>'s file from <paramref name="Offset"/>.</summary>
    public sealed record Fetch(CheckpointInfo Checkpoint, long Offset, IActorRef ReplyTo);

    /// <summary>To the coordinator: something to note in the job's events.</summary>
    public sealed record Noted(string JobId, string Text);

    private sealed record Pulled(Save Save, object[] Replies, string? Problem);
}
