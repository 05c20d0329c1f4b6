using System.Buffers.Binary;
using System.Runtime.Serialization;
using Akka.Serialization;
using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Integrity;
using EdgeTrain.Core.Optimizers;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static EdgeTrain.Actors.Parameters.ShardEvents;
using static EdgeTrain.Tests.FloatData;

namespace EdgeTrain.Actors.Tests.Serialization;

public sealed class TensorPayloadSerializerSpec : Akka.TestKit.Xunit2.TestKit
{
    public TensorPayloadSerializerSpec()
        : base(EdgeTrainConfig.ReferenceConfig)
    {
    }

    public static TheoryData<int> Sizes => [0, 1, 1_000, 300_000];

    private static float[] Floats(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 200) - 100)).ToArray();
    }

    private TensorPayloadSerializer Serializer => Assert.IsType<TensorPayloadSerializer>(Sys.Serialization.FindSerializerForType(typeof(SliceData)));

    private (byte[] Bytes, string Manifest) Write(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<TensorPayloadSerializer>(serializer);
        return (serializer.ToBinary(message), Akka.Serialization.Serialization.ManifestFor(serializer, message));
    }

    private T RoundTrip<T>(T message)
        where T : notnull
    {
        var (bytes, manifest) = Write(message);
        return Assert.IsType<T>(Sys.Serialization.Deserialize(bytes, TensorPayloadSerializer.SerializerId, manifest));
    }

    private SerializationException Refused(byte[] bytes, string manifest) =>
        Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, manifest));

    [Fact]
    public void Tensor_messages_are_bound_to_the_tensor_serializer()
    {
        object[] messages =
        [
            new SliceData("job", 0, 1, [1f]),
            new MergedUpdate("job", 0, "agg", 1, Raw(1f)),
            new Contribution("job", "local", 0, 1, 32, Raw(1f)),
        ];

        foreach (var message in messages)
        {
            var serializer = Sys.Serialization.FindSerializerFor(message);

            Assert.IsType<TensorPayloadSerializer>(serializer);
            Assert.Equal(4712, serializer.Identifier);
            Assert.IsAssignableFrom<SerializerWithStringManifest>(serializer);
        }
    }

    [Fact]
    public void Each_tensor_message_has_its_own_manifest()
    {
        Assert.Equal("SD", Write(new SliceData("job", 0, 1, [])).Manifest);
        Assert.Equal("MU", Write(new MergedUpdate("job", 0, "agg", 1, [])).Manifest);
        Assert.Equal("CO", Write(new Contribution("job", "local", 0, 1, 1, [])).Manifest);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SliceData_round_trips(int size)
    {
        var message = new SliceData("mnist-mlp", 7, 123_456_789_012L, Floats(size, size));

        var back = RoundTrip(message);

        Assert.Equal((message.JobId, message.Slice, message.Version), (back.JobId, back.Slice, back.Version));
        AssertBitwiseEqual(message.Values, back.Values);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MergedUpdate_round_trips(int size)
    {
        var message = new MergedUpdate("mnist-cnn", int.MaxValue, "mnist-cnn:eu-west", long.MaxValue, Raw(Floats(size, size + 1)));

        var back = RoundTrip(message);

        Assert.Equal(
            (message.JobId, message.Slice, message.AggregatorId, message.Sequence),
            (back.JobId, back.Slice, back.AggregatorId, back.Sequence));
        Assert.Equal(message.Payload, back.Payload);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Contribution_round_trips(int size)
    {
        var message = new Contribution("job-1", "us-east", 3, -1, 0.1 + 0.2, Raw(Floats(size, size + 2)));

        var back = RoundTrip(message);

        Assert.Equal(
            (message.JobId, message.Region, message.Slice, message.BaseVersion),
            (back.JobId, back.Region, back.Slice, back.BaseVersion));
        Assert.Equal(BitConverter.DoubleToInt64Bits(message.Weight), BitConverter.DoubleToInt64Bits(back.Weight));
        Assert.Equal(message.Payload, back.Payload);
    }

    [Fact]
    public void A_payload_above_128_KB_is_written_as_raw_floats_plus_a_small_header()
    {
        var message = new SliceData("job", 0, 1, Floats(300_000, 9));

        var (bytes, _) = Write(message);

        Assert.True(bytes.Length > 128 * 1024);
        Assert.InRange(bytes.Length - (300_000 * sizeof(float)), 1, 64);
    }

    [Fact]
    public void Special_float_values_survive_bit_for_bit()
    {
        var specials = new[]
        {
            float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234), BitConverter.Int32BitsToSingle(0x7F80_0001),
            float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, float.Epsilon, -float.Epsilon,
            float.MaxValue, float.MinValue, 1e-40f,
        };

        AssertBitwiseEqual(specials, RoundTrip(new SliceData("job", 0, 1, specials)).Values);
        Assert.Equal(Raw(specials), RoundTrip(new MergedUpdate("job", 0, "agg", 1, Raw(specials))).Payload);
        Assert.Equal(Raw(specials), RoundTrip(new Contribution("job", "r", 0, 1, 1, Raw(specials))).Payload);
    }

    [Fact]
    public void SliceChanges_round_trips()
    {
        var message = new SliceChanges("jöb", 3, 7, 9, Core.Codecs.SparseValues.Gather(Floats(100, 4), [3, 50, 99]));

        var back = RoundTrip(message);

        Assert.Equal((message.JobId, message.Slice, message.FromVersion, message.Version), (back.JobId, back.Slice, back.FromVersion, back.Version));
        Assert.Equal(message.Payload, back.Payload);
        Assert.Equal("SX", Write(message).Manifest);
    }

    [Fact]
    public void Special_weights_survive_bit_for_bit()
    {
        foreach (var weight in new[] { double.NaN, double.PositiveInfinity, -0d, double.Epsilon })
        {
            var back = RoundTrip(new Contribution("job", "r", 0, 1, weight, []));

            Assert.Equal(BitConverter.DoubleToInt64Bits(weight), BitConverter.DoubleToInt64Bits(back.Weight));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("jöb-ünïcode")]
    [InlineData("任务-训练")]
    [InlineData("job-🚀-emoji")]
    public void Unicode_ids_round_trip(string id)
    {
        Assert.Equal(id, RoundTrip(new SliceData(id, 0, 1, [1f])).JobId);

        var update = RoundTrip(new MergedUpdate(id, 0, id + ":agg", 1, Raw(1f)));
        Assert.Equal((id, id + ":agg"), (update.JobId, update.AggregatorId));

        var contribution = RoundTrip(new Contribution(id, "région-" + id, 0, 1, 1, Raw(1f)));
        Assert.Equal((id, "région-" + id), (contribution.JobId, contribution.Region));
    }

    [Fact]
    public void The_floats_are_not_shared_with_the_bytes()
    {
        var (bytes, manifest) = Write(new SliceData("job", 0, 1, [1f, 2f]));
        var back = Assert.IsType<SliceData>(Serializer.FromBinary(bytes, manifest));

        Array.Clear(bytes);

        Assert.Equal([1f, 2f], back.Values);
    }

    [Fact]
    public void No_bytes_at_all_are_refused()
    {
        var e = Refused([], "SD");

        Assert.Contains("expected format version 1, found no bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_format_version_is_refused()
    {
        var (bytes, manifest) = Write(new SliceData("job", 0, 1, [1f, 2f]));
        bytes[0] = 2;

        var e = Refused(bytes, manifest);

        Assert.Contains("tensor payload SD", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected format version 1, found 2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SD")]
    [InlineData("MU")]
    [InlineData("CO")]
    public void Every_truncation_of_a_message_is_refused(string manifest)
    {
        object message = manifest switch
        {
            "SD" => new SliceData("jöb", 2, 3, Floats(5, 1)),
            "MU" => new MergedUpdate("jöb", 2, "agg", 3, Raw(Floats(5, 1))),
            _ => new Contribution("jöb", "local", 2, 3, 4, Raw(Floats(5, 1))),
        };
        var (bytes, written) = Write(message);
        Assert.Equal(manifest, written);

        for (var length = 1; length < bytes.Length; length++)
        {
            var e = Refused(bytes[..length], manifest);

            Assert.Contains($"tensor payload {manifest}: ", e.Message, StringComparison.Ordinal);
            Assert.Contains("needs", e.Message, StringComparison.Ordinal);
            Assert.Contains($"(message of {length} bytes)", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_truncated_payload_says_how_many_floats_were_expected()
    {
        var (bytes, manifest) = Write(new SliceData("job", 0, 1, Floats(1_000, 1)));

        var e = Refused(bytes[..^10], manifest);

        Assert.Contains("1000 floats at byte", e.Message, StringComparison.Ordinal);
        Assert.Contains("needs 4000 bytes, 3990 are left", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_float_count_larger_than_the_bytes_present_is_refused()
    {
        var (bytes, manifest) = Write(new SliceData("job", 0, 1, Floats(10, 1)));
        var countAt = bytes.Length - (10 * sizeof(float)) - sizeof(int);
        Assert.Equal(10, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(countAt)));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(countAt), 11);

        var e = Refused(bytes, manifest);

        Assert.Contains($"11 floats at byte {countAt + 4} needs 44 bytes, 40 are left", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_float_or_payload_count_is_refused()
    {
        var (bytes, manifest) = Write(new SliceData("job", 0, 1, Floats(3, 1)));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(bytes.Length - 16), -1);
        var (update, updateManifest) = Write(new MergedUpdate("job", 0, "agg", 1, Raw(Floats(3, 1))));
        BinaryPrimitives.WriteInt32LittleEndian(update.AsSpan(update.Length - 21), -1);

        var e = Refused(bytes, manifest);
        var payload = Refused(update, updateManifest);

        Assert.Contains("a float count of -1", e.Message, StringComparison.Ordinal);
        Assert.Contains("a payload of -1 bytes", payload.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_string_length_is_refused()
    {
        var (bytes, manifest) = Write(new Contribution("job", "local", 0, 1, 1, Raw(1f)));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(1), -5);

        var e = Refused(bytes, manifest);

        Assert.Contains("a string length of -5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_string_length_beyond_the_message_is_refused()
    {
        var (bytes, manifest) = Write(new SliceData("job", 0, 1, [1f]));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(1), 1_000_000);

        var e = Refused(bytes, manifest);

        Assert.Contains("string at byte 5 needs 1000000 bytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(100)]
    public void Trailing_bytes_are_refused(int extra)
    {
        var (bytes, manifest) = Write(new SliceData("job", 0, 1, Floats(4, 1)));
        var longer = bytes.Concat(Enumerable.Repeat((byte)0xAB, extra)).ToArray();

        var e = Refused(longer, manifest);

        Assert.Contains($"{extra} bytes after the message", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("XX")]
    [InlineData("")]
    [InlineData("sd")]
    public void An_unknown_manifest_is_refused(string manifest)
    {
        var (bytes, _) = Write(new SliceData("job", 0, 1, [1f]));

        var e = Refused(bytes, manifest);

        Assert.Contains($"unknown manifest '{manifest}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_of_one_message_read_as_another_are_refused()
    {
        var (bytes, _) = Write(new SliceData("job", 0, 1, Floats(8, 1)));

        Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, "CO"));
    }

    [Fact]
    public void Only_tensor_messages_are_written()
    {
        Assert.Throws<ArgumentException>(() => Serializer.ToBinary("not a tensor"));
        Assert.Throws<ArgumentException>(() => Serializer.Manifest(new SliceNotReady("job", 0)));
    }

    [Fact]
    public void PayloadBytes_counts_four_bytes_a_float()
    {
        Assert.Equal(0, TensorPayloadSerializer.PayloadBytes((float[])null!));
        Assert.Equal(0, TensorPayloadSerializer.PayloadBytes(Array.Empty<float>()));
        Assert.Equal(1_200_000, TensorPayloadSerializer.PayloadBytes(new float[300_000]));
    }

    private static readonly ShardOptimizerSpec Adam = new(ShardOptimizerKind.Adam, LearningRate: 1e-3f, Beta1: 0.9f, Beta2: 0.999f, Epsilon: 1e-8f, WeightDecay: 0.01f);

    private static SliceSnapshot Snapshot(int size) => new(
        42,
        Floats(size, 1),
        Adam,
        7,
        Floats(size, 2),
        Floats(size, 3),
        40,
        new Dictionary<string, long>(StringComparer.Ordinal) { ["job:eu"] = 30, ["job:ü-région"] = 9 },
        new Dictionary<string, long[]>(StringComparer.Ordinal) { ["job:eu"] = [32, 35], ["job:ü-région"] = [] });

    private static object Stored(string manifest, int size) => manifest switch
    {
        "SC" => new SliceCreated(Floats(size, 4), Adam, 50),
        "UE" => new UpdateApplied("job:eu-west", 17, Raw(Floats(size, 5))),
        "VR" => new ValuesRestored(long.MaxValue, Floats(size, 6)),
        _ => Snapshot(size),
    };

    private static void AssertSnapshotsEqual(SliceSnapshot expected, SliceSnapshot actual)
    {
        Assert.Equal((expected.Version, expected.Optimizer, expected.SnapshotEvery, expected.Steps), (actual.Version, actual.Optimizer, actual.SnapshotEvery, actual.Steps));
        AssertBitwiseEqual(expected.Values, actual.Values);
        AssertBitwiseEqual(expected.First, actual.First);
        AssertBitwiseEqual(expected.Second, actual.Second);
        Assert.Equal(expected.Contiguous, actual.Contiguous);
        Assert.Equal(expected.Above.Keys.Order(), actual.Above.Keys.Order());
        foreach (var (aggregator, above) in expected.Above)
        {
            Assert.Equal(above, actual.Above[aggregator]);
        }
    }

    // what a damaged stored record reads back as: a marker, never an exception nor a message
    private object ReadDamaged(byte[] bytes, string manifest)
    {
        var back = Serializer.FromBinary(bytes, manifest);
        if (manifest == "SS")
        {
            return Assert.IsType<CorruptSnapshot>(back);
        }

        Assert.Equal(manifest, Assert.IsType<CorruptEvent>(back).Manifest);
        return back;
    }

    [Fact]
    public void Journal_events_and_snapshots_are_bound_to_the_tensor_serializer_with_their_manifests()
    {
        Assert.Equal("SC", Write(Stored("SC", 1)).Manifest);
        Assert.Equal("UE", Write(Stored("UE", 1)).Manifest);
        Assert.Equal("SS", Write(Stored("SS", 1)).Manifest);
        Assert.Equal("VR", Write(Stored("VR", 1)).Manifest);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ValuesRestored_round_trips(int size)
    {
        var message = (ValuesRestored)Stored("VR", size);

        var back = RoundTrip(message);

        Assert.Equal(message.CheckpointId, back.CheckpointId);
        AssertBitwiseEqual(message.Values, back.Values);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void RestoreSlice_round_trips_as_a_wire_message(int size)
    {
        var message = new RestoreSlice("jöb-1", 12, 3, Floats(size, 7));

        var (bytes, manifest) = Write(message);
        var back = RoundTrip(message);

        Assert.Equal("RS", manifest);
        Assert.Equal(1, bytes[0]);
        Assert.Equal((message.JobId, message.Slice, message.CheckpointId), (back.JobId, back.Slice, back.CheckpointId));
        AssertBitwiseEqual(message.Values, back.Values);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SliceCreated_round_trips(int size)
    {
        var message = (SliceCreated)Stored("SC", size);

        var back = RoundTrip(message);

        Assert.Equal((message.Optimizer, message.SnapshotEvery), (back.Optimizer, back.SnapshotEvery));
        AssertBitwiseEqual(message.Values, back.Values);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void UpdateApplied_round_trips(int size)
    {
        var message = (UpdateApplied)Stored("UE", size);

        var back = RoundTrip(message);

        Assert.Equal((message.AggregatorId, message.Sequence), (back.AggregatorId, back.Sequence));
        Assert.Equal(message.Payload, back.Payload);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SliceSnapshot_round_trips(int size)
    {
        var message = Snapshot(size);

        AssertSnapshotsEqual(message, RoundTrip(message));
    }

    [Theory]
    [InlineData("SC")]
    [InlineData("UE")]
    [InlineData("SS")]
    [InlineData("VR")]
    public void Stored_records_are_format_2_and_end_with_the_CRC_32C_of_all_bytes_before(string manifest)
    {
        var (bytes, _) = Write(Stored(manifest, 10));

        Assert.Equal(2, bytes[0]);
        Assert.Equal(Crc32C.Compute(bytes.AsSpan(0, bytes.Length - 4)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)));
    }

    [Fact]
    public void Wire_messages_carry_no_checksum()
    {
        var (bytes, _) = Write(new SliceData("job", 0, 1, [1f]));

        Assert.Equal(1, bytes[0]);
        Assert.Equal(1 + 4 + 3 + 4 + 8 + 4 + 4, bytes.Length);
    }

    [Theory]
    [InlineData("SC")]
    [InlineData("UE")]
    [InlineData("SS")]
    [InlineData("VR")]
    public void Every_single_flipped_byte_of_a_stored_record_is_detected(string manifest)
    {
        var (bytes, written) = Write(Stored(manifest, 6));
        Assert.Equal(manifest, written);

        for (var i = 0; i < bytes.Length; i++)
        {
            foreach (var mask in new byte[] { 0x01, 0x02, 0x10, 0x80, 0xFF, 0x5A })
            {
                var damaged = bytes.ToArray();
                damaged[i] ^= mask;

                ReadDamaged(damaged, manifest);
            }
        }
    }

    [Theory]
    [InlineData("SC")]
    [InlineData("UE")]
    [InlineData("SS")]
    [InlineData("VR")]
    public void A_checksum_mismatch_says_so(string manifest)
    {
        var (bytes, _) = Write(Stored(manifest, 100));
        bytes[bytes.Length / 2] ^= 0x04;

        var reason = ReadDamaged(bytes, manifest) switch
        {
            CorruptSnapshot s => s.Reason,
            CorruptEvent e => e.Reason,
            var other => throw new InvalidOperationException($"{other}"),
        };

        Assert.Contains($"tensor payload {manifest}: checksum mismatch: stored ", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SC")]
    [InlineData("UE")]
    [InlineData("SS")]
    [InlineData("VR")]
    public void Every_truncation_of_a_stored_record_is_detected(string manifest)
    {
        var (bytes, _) = Write(Stored(manifest, 5));

        for (var length = 0; length < bytes.Length; length++)
        {
            ReadDamaged(bytes[..length], manifest);
        }
    }

    [Theory]
    [InlineData("SC")]
    [InlineData("UE")]
    [InlineData("SS")]
    [InlineData("VR")]
    public void Bytes_appended_to_a_stored_record_are_detected(string manifest)
    {
        var (bytes, _) = Write(Stored(manifest, 5));

        ReadDamaged([.. bytes, 0], manifest);
        ReadDamaged([.. bytes, .. bytes], manifest);
    }

    [Theory]
    [InlineData("SC")]
    [InlineData("UE")]
    [InlineData("SS")]
    [InlineData("VR")]
    public void Random_bytes_read_as_a_stored_record_are_detected(string manifest)
    {
        var random = new Random(11);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            if (bytes.Length > 0)
            {
                bytes[0] = (byte)(1 + (i % 2));
            }

            ReadDamaged(bytes, manifest);
        }
    }

    [Fact]
    public void A_dense_UpdateApplied_journaled_before_codecs_reads_as_a_raw_payload()
    {
        // format 2, manifest UA: aggregator id, sequence number, float count and floats, CRC-32C
        var values = Floats(7, 3);
        var id = System.Text.Encoding.UTF8.GetBytes("job:eu");
        var record = new List<byte> { 2 };
        record.AddRange(BitConverter.GetBytes(id.Length));
        record.AddRange(id);
        record.AddRange(BitConverter.GetBytes(41L));
        record.AddRange(BitConverter.GetBytes(values.Length));
        record.AddRange(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        record.AddRange(BitConverter.GetBytes(Core.Integrity.Crc32C.Compute(record.ToArray())));

        var back = Assert.IsType<UpdateApplied>(Serializer.FromBinary(record.ToArray(), "UA"));

        Assert.Equal(("job:eu", 41L), (back.AggregatorId, back.Sequence));
        Assert.Equal(Raw(values), back.Payload);
    }

    [Fact]
    public void Stored_records_of_format_1_written_before_checksums_are_still_read()
    {
        foreach (var manifest in new[] { "SC", "UE", "SS", "VR" })
        {
            var message = Stored(manifest, 9);
            var (bytes, _) = Write(message);
            var legacy = bytes[..^4];
            legacy[0] = 1;

            var back = Serializer.FromBinary(legacy, manifest);

            switch (message)
            {
                case SliceSnapshot s:
                    AssertSnapshotsEqual(s, Assert.IsType<SliceSnapshot>(back));
                    break;
                case SliceCreated c:
                    AssertBitwiseEqual(c.Values, Assert.IsType<SliceCreated>(back).Values);
                    break;
                case UpdateApplied u:
                    Assert.Equal(u.Payload, Assert.IsType<UpdateApplied>(back).Payload);
                    break;
                case ValuesRestored r:
                    AssertBitwiseEqual(r.Values, Assert.IsType<ValuesRestored>(back).Values);
                    break;
            }
        }
    }

    [Fact]
    public void The_damage_markers_are_never_written()
    {
        Assert.Throws<ArgumentException>(() => Serializer.ToBinary(new CorruptSnapshot("x")));
        Assert.Throws<ArgumentException>(() => Serializer.ToBinary(new CorruptEvent("UA", "x")));
    }
}
