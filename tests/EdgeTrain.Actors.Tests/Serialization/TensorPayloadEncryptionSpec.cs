using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Optimizers;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static EdgeTrain.Actors.Parameters.ShardEvents;
using static EdgeTrain.Tests.FloatData;

namespace EdgeTrain.Actors.Tests.Serialization;

/// <summary>
/// The tensor payload serializer of an ActorSystem with a storage key: stored records in format 3
/// (AES-GCM), records of formats 2 and 3 read, damaged and foreign ones read back as markers.
/// </summary>
public sealed class TensorPayloadEncryptionSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly ShardOptimizerSpec Adam = new(ShardOptimizerKind.Adam, LearningRate: 1e-3f, Beta1: 0.9f, Beta2: 0.999f, Epsilon: 1e-8f, WeightDecay: 0.01f);

    private readonly TempFolder folder;
    private readonly StorageKey key;

    public TensorPayloadEncryptionSpec()
        : this(new TempFolder())
    {
    }

    private TensorPayloadEncryptionSpec(TempFolder folder)
        : base(KeyConfig(folder.File("a.key"), create: true))
    {
        this.folder = folder;
        key = StorageKey.Load(folder.File("a.key"));
    }

    private static Config KeyConfig(string keyFile, bool create)
    {
        if (create)
        {
            StorageKey.CreateFile(keyFile);
        }

        return ConfigurationFactory.ParseString($"edgetrain.storage.key-file = \"{keyFile.Replace("\\", "/", StringComparison.Ordinal)}\"")
            .WithFallback(EdgeTrainConfig.ReferenceConfig);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            folder.Dispose();
        }
    }

    private TensorPayloadSerializer Serializer => Serializers(Sys);

    private static TensorPayloadSerializer Serializers(ActorSystem system) =>
        Assert.IsType<TensorPayloadSerializer>(((ExtendedActorSystem)system).Serialization.FindSerializerForType(typeof(SliceData)));

    /// <summary>Runs <paramref name="use"/> with the serializer of another ActorSystem (no key, or another key).</summary>
    private T WithSystem<T>(Config config, Func<TensorPayloadSerializer, T> use)
    {
        using var system = ActorSystem.Create("other", config);
        try
        {
            return use(Serializers(system));
        }
        finally
        {
            Shutdown(system, TimeSpan.FromSeconds(10));
        }
    }

    private static object Stored(string manifest, int size) => manifest switch
    {
        "SC" => new SliceCreated(Update(size, 4), Adam, 50),
        "UE" => new UpdateApplied("job:eu-west", 17, Raw(Update(size, 5))),
        "VR" => new ValuesRestored(long.MaxValue, Update(size, 6)),
        _ => new SliceSnapshot(
            42,
            Update(size, 1),
            Adam,
            7,
            Update(size, 2),
            Update(size, 3),
            40,
            new Dictionary<string, long>(StringComparer.Ordinal) { ["job:eu"] = 30 },
            new Dictionary<string, long[]>(StringComparer.Ordinal) { ["job:eu"] = [32, 35] }),
    };

    private static float[] ValuesOf(object message) => message switch
    {
        SliceCreated m => m.Values,
        UpdateApplied m => Decoded(m.Payload),
        ValuesRestored m => m.Values,
        SliceSnapshot m => m.Values,
        _ => throw new InvalidOperationException($"{message}"),
    };

    private static (string Reason, bool OtherKey) Marker(object read, string manifest) => read switch
    {
        CorruptSnapshot s when manifest == "SS" => (s.Reason, s.OtherKey),
        CorruptEvent e when e.Manifest == manifest => (e.Reason, e.OtherKey),
        _ => throw new Xunit.Sdk.XunitException($"expected the marker of a damaged {manifest} record, read {read}"),
    };

    public static TheoryData<string> Manifests => ["SC", "UE", "VR", "SS"];

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Stored_records_are_written_in_format_3_and_read_back_bit_for_bit(string manifest)
    {
        foreach (var size in new[] { 0, 1, 1_000, 262_144 })
        {
            var message = Stored(manifest, size);

            var bytes = Serializer.ToBinary(message);
            var back = Serializer.FromBinary(bytes, manifest);

            Assert.Equal(manifest, Serializer.Manifest(message));
            Assert.Equal(3, bytes[0]);
            Assert.True(EncryptedBlob.IsEncrypted(bytes.AsSpan(1)));
            Assert.Equal(key.Id, EncryptedBlob.KeyIdOf(bytes.AsSpan(1)));
            Assert.IsType(message.GetType(), back);
            AssertBitwiseEqual(ValuesOf(message), ValuesOf(back));
            if (size >= 1_000)
            {
                Assert.Equal(-1, bytes.AsSpan().IndexOf(MemoryMarshal.AsBytes(ValuesOf(message).AsSpan(0, 2))));
            }
        }
    }

    [Fact]
    public void A_snapshot_keeps_every_field_and_an_update_its_payload_exactly()
    {
        var snapshot = (SliceSnapshot)Stored("SS", 33);
        var update = (UpdateApplied)Stored("UE", 33);

        var backSnapshot = Assert.IsType<SliceSnapshot>(Serializer.FromBinary(Serializer.ToBinary(snapshot), "SS"));
        var backUpdate = Assert.IsType<UpdateApplied>(Serializer.FromBinary(Serializer.ToBinary(update), "UE"));

        Assert.Equal((snapshot.Version, snapshot.Optimizer, snapshot.SnapshotEvery, snapshot.Steps), (backSnapshot.Version, backSnapshot.Optimizer, backSnapshot.SnapshotEvery, backSnapshot.Steps));
        AssertBitwiseEqual(snapshot.First, backSnapshot.First);
        AssertBitwiseEqual(snapshot.Second, backSnapshot.Second);
        Assert.Equal(snapshot.Contiguous, backSnapshot.Contiguous);
        Assert.Equal(snapshot.Above["job:eu"], backSnapshot.Above["job:eu"]);
        Assert.Equal((update.AggregatorId, update.Sequence), (backUpdate.AggregatorId, backUpdate.Sequence));
        Assert.Equal(update.Payload, backUpdate.Payload);
    }

    [Fact]
    public void Wire_messages_stay_plain_format_1()
    {
        var bytes = Serializer.ToBinary(new SliceData("job", 0, 1, [1f]));

        Assert.Equal(1, bytes[0]);
        Assert.Equal(1 + 4 + 3 + 4 + 8 + 4 + 4, bytes.Length);
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Format_2_records_written_before_the_key_was_configured_are_still_read(string manifest)
    {
        var message = Stored(manifest, 500);
        var plain = WithSystem(EdgeTrainConfig.ReferenceConfig, s => s.ToBinary(message));

        var back = Serializer.FromBinary(plain, manifest);

        Assert.Equal(2, plain[0]);
        AssertBitwiseEqual(ValuesOf(message), ValuesOf(back));
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Every_single_flipped_byte_of_an_encrypted_record_reads_back_as_the_damaged_record_marker(string manifest)
    {
        var bytes = Serializer.ToBinary(Stored(manifest, 6));

        for (var i = 0; i < bytes.Length; i++)
        {
            foreach (var mask in new byte[] { 0x01, 0x80, 0xFF })
            {
                var damaged = bytes.ToArray();
                damaged[i] ^= mask;

                var (reason, otherKey) = Marker(Serializer.FromBinary(damaged, manifest), manifest);

                Assert.False(otherKey, $"byte {i} ^ {mask:X2}: {reason}");
                Assert.Contains($"tensor payload {manifest}", reason, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void A_tag_mismatch_and_a_truncation_say_so(string manifest)
    {
        var bytes = Serializer.ToBinary(Stored(manifest, 100));
        var changed = bytes.ToArray();
        changed[^7] ^= 0x04;

        Assert.Contains("tag: the record is damaged or was changed", Marker(Serializer.FromBinary(changed, manifest), manifest).Reason, StringComparison.Ordinal);
        for (var length = 1; length < bytes.Length; length += 37)
        {
            Assert.False(Marker(Serializer.FromBinary(bytes[..length], manifest), manifest).OtherKey);
        }

        Assert.Contains("truncated", Marker(Serializer.FromBinary(bytes[..^1], manifest), manifest).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_read_as_another_kind_of_record_does_not_authenticate()
    {
        var bytes = Serializer.ToBinary(Stored("VR", 10));

        Assert.Contains("tag: the record is damaged or was changed", Marker(Serializer.FromBinary(bytes, "SC"), "SC").Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void A_record_of_another_key_reads_back_as_a_marker_that_says_so_with_both_key_ids(string manifest)
    {
        var otherKeyFile = folder.File($"b-{manifest}.key");
        var other = StorageKey.CreateFile(otherKeyFile);
        var foreign = WithSystem(KeyConfig(otherKeyFile, create: false), s => s.ToBinary(Stored(manifest, 50)));

        var (reason, otherKey) = Marker(Serializer.FromBinary(foreign, manifest), manifest);

        Assert.True(otherKey);
        Assert.Contains($"encrypted with storage key {other.Id}, and this node's key is {key.Id}", reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void An_encrypted_record_on_a_node_without_a_key_reads_back_as_a_marker_that_names_the_key_it_needs(string manifest)
    {
        var bytes = Serializer.ToBinary(Stored(manifest, 50));

        var (reason, otherKey) = WithSystem(EdgeTrainConfig.ReferenceConfig, s => Marker(s.FromBinary(bytes, manifest), manifest));

        Assert.True(otherKey);
        Assert.Contains($"encrypted with storage key {key.Id}, and this node has no storage key", reason, StringComparison.Ordinal);
    }
}
