using Akka.Actor;
using Akka.TestKit;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core.Parameters;
using EdgeTrain.Core.Scheduling;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;
using static EdgeTrain.Actors.Jobs.CheckpointProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static EdgeTrain.Tests.FloatData;

namespace EdgeTrain.Actors.Tests.Jobs;

/// <summary>
/// The checkpoint store with a storage key, against a probe that answers as the slices: it writes
/// checkpoint files encrypted, rolls back from them, hands them out as stored, and refuses a plain file.
/// </summary>
public sealed class CheckpointStoreActorSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Job = "enc-1";
    private static readonly int[] Lengths = [100, 37];

    private readonly TempFolder folder = new();
    private readonly StorageKey key;
    private readonly TestProbe shards;
    private int restores;
    private readonly Dictionary<int, float[]> values = new()
    {
        [0] = Update(100, 1),
        [1] = Update(37, 2),
    };

    public CheckpointStoreActorSpec()
        : base(EdgeTrainConfig.ReferenceConfig)
    {
        key = StorageKey.CreateFile(folder.File("a.key"));
        shards = CreateTestProbe();
        shards.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            switch (message)
            {
                case PullSlice pull:
                    sender.Tell(new SliceData(pull.JobId, pull.Slice, 10 + pull.Slice, values[pull.Slice]));
                    break;
                case RestoreSlice restore:
                    Interlocked.Increment(ref restores);
                    values[restore.Slice] = restore.Values;
                    sender.Tell(new SliceRestored(restore.JobId, restore.Slice, restore.CheckpointId, 20));
                    break;
            }

            return AutoPilot.KeepRunning;
        }));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            folder.Dispose();
        }
    }

    // a child of the test actor, so that what it tells its parent (the coordinator) arrives here
    private IActorRef Store(StorageKey? with) =>
        ChildActorOf(CheckpointStoreActor.Props(shards.Ref, folder.Path, TimeSpan.FromSeconds(5), TimeProvider.System, with));

    private CheckpointRecord Saved(IActorRef store)
    {
        store.Tell(new CheckpointStoreActor.Request(new SaveCheckpoint(Job, "encrypted"), new CheckpointStoreActor.JobCheckpoints(Job, Lengths, [])));
        return ExpectMsg<CheckpointStoreActor.Written>(TimeSpan.FromSeconds(10)).Checkpoint;
    }

    [Fact]
    public void With_a_key_a_saved_checkpoint_is_encrypted_on_disk_fetched_as_stored_and_rolled_back_from()
    {
        var store = Store(key);
        var record = Saved(store);
        var path = JobFiles.CheckpointPath(folder.Path, Job, record.Id);

        var bytes = File.ReadAllBytes(path);
        Assert.True(EncryptedBlob.IsEncrypted(bytes));
        Assert.Equal(key.Id, EncryptedBlob.KeyIdOf(bytes));
        var contents = CheckpointFile.Read(path, key);
        Assert.Equal(record.ContentHash, contents.ContentHash);
        AssertBitwiseEqual(values[1], contents.Slices[1].Values);

        store.Tell(new CheckpointStoreActor.Request(new FetchCheckpoint(Job, record.Id, 0), new CheckpointStoreActor.JobCheckpoints(Job, Lengths, [record])));
        Assert.Equal(bytes, ExpectMsg<CheckpointChunk>(TimeSpan.FromSeconds(10)).Bytes);

        var saved = values.ToDictionary(kv => kv.Key, kv => kv.Value);
        values[0] = new float[100];
        values[1] = new float[37];
        store.Tell(new CheckpointStoreActor.Request(new RollbackCheckpoint(Job, record.Id), new CheckpointStoreActor.JobCheckpoints(Job, Lengths, [record])));
        var rolledBack = FishForMessage<RolledBack>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(record.Id, rolledBack.CheckpointId);
        AssertBitwiseEqual(saved[0], values[0]);
        AssertBitwiseEqual(saved[1], values[1]);
    }

    [Fact]
    public void With_a_key_a_plain_checkpoint_file_is_not_rolled_back_to_and_the_answer_names_it()
    {
        var record = Saved(Store(null));
        var path = JobFiles.CheckpointPath(folder.Path, Job, record.Id);
        Assert.False(EncryptedBlob.IsEncrypted(File.ReadAllBytes(path)));

        Store(key).Tell(new CheckpointStoreActor.Request(new RollbackCheckpoint(Job, record.Id), new CheckpointStoreActor.JobCheckpoints(Job, Lengths, [record])));

        var failed = FishForMessage<CheckpointFailed>(_ => true, TimeSpan.FromSeconds(10));
        Assert.StartsWith($"{path}: encryption: not encrypted, and a storage key is configured ({key.Id}", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref restores));
    }
}
