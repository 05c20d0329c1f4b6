using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Serialization;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Integrity;
using EdgeTrain.Core.Optimizers;
using EdgeTrain.Core.Security;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static EdgeTrain.Actors.Parameters.ShardEvents;

namespace EdgeTrain.Actors.Serialization;

/// <summary>
/// Binary serializer for the tensor payload messages (<see cref="SliceData"/>,
/// <see cref="MergedUpdate"/>, <see cref="Contribution"/>, <see cref="RestoreSlice"/>) and the shards' journal events and
/// snapshots (<see cref="SliceCreated"/>, <see cref="UpdateApplied"/>, <see cref="ValuesRestored"/>, <see cref="SliceSnapshot"/>): a format byte, the message's scalar
/// fields (strings as UTF-8 with a length prefix, integers and doubles little-endian), the float
/// count, then the floats as raw little-endian bytes. No per-element object serialization.
/// Every length is checked when reading, and a message that does not parse is refused with a
/// <see cref="SerializationException"/> that says which part is wrong.
/// <para>
/// What is stored (the journal events and snapshots) is written with format version 2: the same
/// fields, then a CRC-32C of every byte before it, little-endian. Reading verifies it. A stored
/// record that is damaged (checksum mismatch, or bytes that do not parse) is not refused, since an
/// exception would fail the shard's recovery for good: it reads back as
/// <see cref="CorruptSnapshot"/> or <see cref="CorruptEvent"/>, which the shard logs and skips.
/// Records of format 1 (written before checksums) are still read, unverified. The wire messages keep
/// format 1: they are not stored, and TCP checks them in flight.
/// </para>
/// <para>
/// With a storage key (<c>edgetrain.storage.key-file</c> of the ActorSystem's configuration, read the
/// first time a stored record is written or read) the stored records are written in format 3: the
/// format byte, then an <see cref="EncryptedBlob"/> (content kind stored record) whose plaintext is the
/// record's fields, what format 2 holds between its format byte and its CRC: the AES-GCM tag takes the
/// CRC's place. Its associated data also covers the format byte and the manifest, so a record cannot
/// pass for another kind of record. The fields are written where the ciphertext goes and encrypted in
/// place (one buffer, as for format 2). Formats 1 and 2 are still read with a key (records written
/// before it was configured). A format-3 record whose tag does not match, that is truncated or whose
/// header is damaged reads back as the damaged-record markers; one encrypted with another key than the
/// node's, or while the node has none, reads back as the markers with <c>OtherKey</c> set, with both
/// key ids in the reason. The serializer cannot know a record's persistence id or sequence number:
/// the shard that recovers logs them with the reason.
/// </para>
/// </summary>
public sealed class TensorPayloadSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id registered in <c>akka.actor.serialization-identifiers</c>.</summary>
    public const int SerializerId = 4712;

    private const byte FormatVersion = 1;
    private const byte ChecksummedFormatVersion = 2;
    private const byte EncryptedFormatVersion = 3;
    private const string SliceDataManifest = "SD";
    private const string SliceChangesManifest = "SX";
    private const string MergedUpdateManifest = "MU";
    private const string ContributionManifest = "CO";
    private const string SliceCreatedManifest = "SC";
    private const string UpdateAppliedManifest = "UE";

    // UpdateApplied as written before codecs (dense floats): still read, as a raw-float payload
    private const string DenseUpdateAppliedManifest = "UA";
    private const string SliceSnapshotManifest = "SS";
    private const string RestoreSliceManifest = "RS";
    private const string ValuesRestoredManifest = "VR";

    // the node's storage key: read from the configuration when a stored record is first written or read
    // (command-line clients, which only send wire messages, never read the file)
    private readonly Lazy<StorageKey?> storageKey;
    private int plainNoted;

    /// <summary>Created by Akka's serialization extension; the storage key comes from <paramref name="system"/>'s configuration.</summary>
    public TensorPayloadSerializer(ExtendedActorSystem system) : base(system)
    {
        ArgumentNullException.ThrowIfNull(system);
        storageKey = new Lazy<StorageKey?>(() => EdgeTrainSettings.StorageKeyOf(system.Settings.Config), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The storage key stored records are encrypted with (null: none; they are written in format 2).</summary>
    /// <exception cref="Core.InvalidInputException">the key file the configuration names does not load.</exception>
    public StorageKey? StorageKey => storageKey.Value;

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        SliceData => SliceDataManifest,
        SliceChanges => SliceChangesManifest,
        MergedUpdate => MergedUpdateManifest,
        Contribution => ContributionManifest,
        SliceCreated => SliceCreatedManifest,
        UpdateApplied => UpdateAppliedManifest,
        SliceSnapshot => SliceSnapshotManifest,
        RestoreSlice => RestoreSliceManifest,
        ValuesRestored => ValuesRestoredManifest,
        _ => throw new ArgumentException($"{o?.GetType()} is not a tensor payload message", nameof(o)),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        // the hot messages are sized exactly: one allocation, no regrowth, no final copy
        var stored = obj is SliceCreated or UpdateApplied or SliceSnapshot or ValuesRestored;
        var key = stored ? StorageKey : null;

        // a stored record ends with its CRC, or its fields sit after an encryption header
        var extra = !stored ? 0 : key is null ? Crc32C.Size : EncryptedBlob.HeaderSize;
        var writer = new Writer(
            extra + obj switch
            {
                SliceData m => 1 + Text(m.JobId) + 4 + 8 + Floats(m.Values),
                SliceChanges m => 1 + Text(m.JobId) + 4 + 8 + 8 + Bytes(m.Payload),
                MergedUpdate m => 1 + Text(m.JobId) + 4 + Text(m.AggregatorId) + 8 + Bytes(m.Payload),
                Contribution m => 1 + Text(m.JobId) + Text(m.Region) + 4 + 8 + 8 + Bytes(m.Payload),
                UpdateApplied m => 1 + Text(m.AggregatorId) + 8 + Bytes(m.Payload),
                SliceCreated m => 1 + 28 + 4 + Floats(m.Values),
                RestoreSlice m => 1 + Text(m.JobId) + 4 + 8 + Floats(m.Values),
                ValuesRestored m => 1 + 8 + Floats(m.Values),
                SliceSnapshot m => 252 + Floats(m.Values) + Floats(m.First) + Floats(m.Second),
                _ => 252,
            },
            !stored ? FormatVersion : key is null ? ChecksummedFormatVersion : EncryptedFormatVersion,
            key is null ? 0 : EncryptedBlob.HeaderSize);
        switch (obj)
        {
            case SliceData m:
                writer.String(m.JobId).Int(m.Slice).Long(m.Version).Floats(m.Values);
                break;
            case SliceChanges m:
                writer.String(m.JobId).Int(m.Slice).Long(m.FromVersion).Long(m.Version).Bytes(m.Payload);
                break;
            case MergedUpdate m:
                writer.String(m.JobId).Int(m.Slice).String(m.AggregatorId).Long(m.Sequence).Bytes(m.Payload);
                break;
            case Contribution m:
                writer.String(m.JobId).String(m.Region).Int(m.Slice).Long(m.BaseVersion).Double(m.Weight).Bytes(m.Payload);
                break;
            case SliceCreated m:
                writer.Optimizer(m.Optimizer).Int(m.SnapshotEvery).Floats(m.Values);
                break;
            case UpdateApplied m:
                writer.String(m.AggregatorId).Long(m.Sequence).Bytes(m.Payload);
                break;
            case RestoreSlice m:
                writer.String(m.JobId).Int(m.Slice).Long(m.CheckpointId).Floats(m.Values);
                break;
            case ValuesRestored m:
                writer.Long(m.CheckpointId).Floats(m.Values);
                break;
            case SliceSnapshot m:
                writer.Long(m.Version).Optimizer(m.Optimizer).Int(m.SnapshotEvery).Long(m.Steps)
                    .Floats(m.Values).Floats(m.First).Floats(m.Second).Int(m.Contiguous.Count);
                foreach (var (aggregator, contiguous) in m.Contiguous)
                {
                    var above = m.Above.TryGetValue(aggregator, out var a) ? a : [];
                    writer.String(aggregator).Long(contiguous).Int(above.Length);
                    foreach (var sequence in above)
                    {
                        writer.Long(sequence);
                    }
                }

                break;
            default:
                throw new ArgumentException($"{obj?.GetType()} is not a tensor payload message", nameof(obj));
        }

        if (key is not null)
        {
            writer.Encrypt(key, Context(EncryptedFormatVersion, Manifest(obj)));
        }
        else if (stored)
        {
            writer.Checksum();
        }

        return writer.ToArray();
    }

    // what the tag of a format-3 record covers beside its header: the format byte and the manifest
    private static byte[] Context(byte format, string manifest)
    {
        var context = new byte[1 + Encoding.ASCII.GetByteCount(manifest)];
        context[0] = format;
        Encoding.ASCII.GetBytes(manifest, context.AsSpan(1));
        return context;
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return manifest switch
        {
            SliceCreatedManifest or UpdateAppliedManifest or DenseUpdateAppliedManifest or SliceSnapshotManifest or ValuesRestoredManifest => ReadStored(bytes, manifest),
            _ => Read(new Reader(bytes, manifest, FormatVersion), manifest),
        };
    }

    /// <summary>
    /// A journal event or snapshot: verified (decrypted when it is encrypted), and a marker instead of an
    /// exception when it is damaged or encrypted with a key this node does not have.
    /// </summary>
    private object ReadStored(byte[] bytes, string manifest)
    {
        try
        {
            var version = bytes.Length == 0 ? (byte)0 : bytes[0];
            if (version == EncryptedFormatVersion)
            {
                return ReadEncrypted(bytes, manifest);
            }

            if (StorageKey is not null && Interlocked.Exchange(ref plainNoted, 1) == 0)
            {
                // the logger is made here, not in the constructor: serializers are made before the system can log
                Logging.GetLogger(system, typeof(TensorPayloadSerializer)).Info("a stored {0} record of format {1} (not encrypted) is read although a storage key ({2}) is configured: it was written before the key was; new records are encrypted", manifest, version, StorageKey.Id);
            }

            ReadOnlySpan<byte> body = bytes;
            if (version == ChecksummedFormatVersion)
            {
                if (bytes.Length < 1 + Crc32C.Size)
                {
                    throw new SerializationException($"tensor payload {manifest}: {bytes.Length} bytes cannot hold a checksum");
                }

                body = bytes.AsSpan(0, bytes.Length - Crc32C.Size);
                var stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(body.Length));
                var computed = Crc32C.Compute(body);
                if (stored != computed)
                {
                    throw new SerializationException(string.Create(
                        System.Globalization.CultureInfo.InvariantCulture,
                        $"tensor payload {manifest}: checksum mismatch: stored {stored:X8}, computed {computed:X8} over {body.Length} bytes"));
                }
            }

            // format 1: written before checksums, read unverified (the reader refuses other versions)
            return Read(new Reader(body, manifest, version == FormatVersion ? FormatVersion : ChecksummedFormatVersion), manifest);
        }
        catch (SerializationException e)
        {
            return Marker(manifest, e.Message, otherKey: false);
        }
    }

    private static object Marker(string manifest, string reason, bool otherKey) =>
        manifest == SliceSnapshotManifest ? new CorruptSnapshot(reason, otherKey) : new CorruptEvent(manifest, reason, otherKey);

    /// <summary>A record of format 3: authenticated and decrypted into a pooled buffer, then parsed.</summary>
    private object ReadEncrypted(byte[] bytes, string manifest)
    {
        var key = StorageKey;
        var blob = bytes.AsSpan(1);
        var source = $"tensor payload {manifest}";
        var check = EncryptedBlob.Check(blob, key);
        if (check is BlobCheck.NoKey or BlobCheck.OtherKey)
        {
            var needed = EncryptedBlob.KeyIdOf(blob);
            return Marker(manifest, check == BlobCheck.NoKey
                ? $"{source}: encrypted with storage key {needed}, and this node has no storage key (edgetrain.storage.key-file): not read"
                : $"{source}: encrypted with storage key {needed}, and this node's key is {key!.Id} ({key.Source}): not read", otherKey: true);
        }

        var size = blob.Length - EncryptedBlob.HeaderSize;
        var plaintext = size > 0 ? ArrayPool<byte>.Shared.Rent(size) : [];
        try
        {
            var length = EncryptedBlob.Open(blob, key, EncryptedContent.StoredRecord, source, Context(EncryptedFormatVersion, manifest), plaintext);
            return Read(new Reader(plaintext.AsSpan(0, length), manifest), manifest);
        }
        catch (Core.InvalidInputException e)
        {
            return Marker(manifest, e.Message, otherKey: false);
        }
        catch (SerializationException e)
        {
            return Marker(manifest, e.Message, otherKey: false);
        }
        finally
        {
            if (plaintext.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(plaintext, clearArray: true);
            }
        }
    }

    private static object Read(Reader reader, string manifest)
    {
        object message = manifest switch
        {
            SliceDataManifest => new SliceData(reader.String(), reader.Int(), reader.Long(), reader.Floats()),
            SliceChangesManifest => new SliceChanges(reader.String(), reader.Int(), reader.Long(), reader.Long(), reader.Bytes()),
            MergedUpdateManifest => new MergedUpdate(reader.String(), reader.Int(), reader.String(), reader.Long(), reader.Bytes()),
            ContributionManifest => new Contribution(reader.String(), reader.String(), reader.Int(), reader.Long(), reader.Double(), reader.Bytes()),
            SliceCreatedManifest => ReadSliceCreated(ref reader),
            UpdateAppliedManifest => new UpdateApplied(reader.String(), reader.Long(), reader.Bytes()),
            DenseUpdateAppliedManifest => new UpdateApplied(reader.String(), reader.Long(), RawPayload(reader.Floats())),
            SliceSnapshotManifest => ReadSnapshot(ref reader),
            RestoreSliceManifest => new RestoreSlice(reader.String(), reader.Int(), reader.Long(), reader.Floats()),
            ValuesRestoredManifest => new ValuesRestored(reader.Long(), reader.Floats()),
            _ => throw new SerializationException($"tensor payload: unknown manifest '{manifest}'"),
        };
        reader.End();
        return message;
    }

    private static SliceCreated ReadSliceCreated(ref Reader reader)
    {
        var optimizer = reader.Optimizer();
        var snapshotEvery = reader.Int();
        return new SliceCreated(reader.Floats(), optimizer, snapshotEvery);
    }

    private static SliceSnapshot ReadSnapshot(ref Reader reader)
    {
        var version = reader.Long();
        var optimizer = reader.Optimizer();
        var snapshotEvery = reader.Int();
        var steps = reader.Long();
        var values = reader.Floats();
        var first = reader.Floats();
        var second = reader.Floats();
        var count = reader.Count("aggregators");
        var contiguous = new Dictionary<string, long>(count, StringComparer.Ordinal);
        var above = new Dictionary<string, long[]>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var aggregator = reader.String();
            contiguous[aggregator] = reader.Long();
            var sequences = new long[reader.Count("sequence numbers")];
            for (var j = 0; j < sequences.Length; j++)
            {
                sequences[j] = reader.Long();
            }

            above[aggregator] = sequences;
        }

        return new SliceSnapshot(version, values, optimizer, snapshotEvery, first, second, steps, contiguous, above);
    }

    private static int Text(string value) => 4 + Encoding.UTF8.GetByteCount(value);

    private static int Floats(float[] values) => 4 + (values.Length * sizeof(float));

    private static int Bytes(byte[] payload) => 4 + payload.Length;

    private static byte[] RawPayload(float[] values) => TensorCodecs.For(new CodecSpec(CodecKind.None)).Encode(values);

    /// <summary>Tensor payload bytes of a message (the floats alone, as counted for pulls).</summary>
    public static long PayloadBytes(float[] values) => (values?.LongLength ?? 0) * sizeof(float);

    /// <summary>Tensor payload bytes of an encoded update (as counted in <c>bytesSent</c>).</summary>
    public static long PayloadBytes(byte[] payload) => payload?.LongLength ?? 0;

    private sealed class Writer
    {
        private byte[] buffer;
        private int position;

        // where the fields start: after the format byte, and an encryption header when there is one
        private readonly int fieldsAt;

        public Writer(int capacity, byte formatVersion, int reserved = 0)
        {
            buffer = new byte[capacity];
            buffer[position++] = formatVersion;
            position += reserved;
            fieldsAt = position;
        }

        public Writer String(string value)
        {
            var count = Encoding.UTF8.GetByteCount(value);
            Int(count);
            Ensure(count);
            position += Encoding.UTF8.GetBytes(value, buffer.AsSpan(position));
            return this;
        }

        public Writer Int(int value)
        {
            Ensure(4);
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(position), value);
            position += 4;
            return this;
        }

        public Writer Long(long value)
        {
            Ensure(8);
            BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(position), value);
            position += 8;
            return this;
        }

        public Writer Double(double value)
        {
            Ensure(8);
            BinaryPrimitives.WriteDoubleLittleEndian(buffer.AsSpan(position), value);
            position += 8;
            return this;
        }

        public Writer Optimizer(ShardOptimizerSpec spec)
        {
            Int((int)spec.Kind);
            foreach (var value in new[] { spec.LearningRate, spec.Momentum, spec.Beta1, spec.Beta2, spec.Epsilon, spec.WeightDecay })
            {
                Ensure(4);
                BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(position), value);
                position += 4;
            }

            return this;
        }

        public Writer Floats(float[] values)
        {
            Int(values.Length);
            var bytes = MemoryMarshal.AsBytes(values.AsSpan());
            Ensure(bytes.Length);
            if (BitConverter.IsLittleEndian)
            {
                bytes.CopyTo(buffer.AsSpan(position));
            }
            else
            {
                for (var i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(position + (i * 4)), values[i]);
                }
            }

            position += bytes.Length;
            return this;
        }

        public Writer Bytes(byte[] payload)
        {
            Int(payload.Length);
            Ensure(payload.Length);
            payload.CopyTo(buffer.AsSpan(position));
            position += payload.Length;
            return this;
        }

        /// <summary>Appends the CRC-32C of everything written so far.</summary>
        public void Checksum()
        {
            var crc = Crc32C.Compute(buffer.AsSpan(0, position));
            Ensure(Crc32C.Size);
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(position), crc);
            position += Crc32C.Size;
        }

        /// <summary>Encrypts the fields in place, behind the encryption header reserved before them.</summary>
        public void Encrypt(StorageKey key, byte[] context)
        {
            var fields = buffer.AsSpan(fieldsAt, position - fieldsAt);
            EncryptedBlob.Seal(fields, key, EncryptedContent.StoredRecord, context, buffer.AsSpan(1, position - 1));
        }

        public byte[] ToArray() => position == buffer.Length ? buffer : buffer.AsSpan(0, position).ToArray();

        private void Ensure(int more)
        {
            if (position + more > buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, position + more));
            }
        }
    }

    private ref struct Reader
    {
        private readonly ReadOnlySpan<byte> bytes;
        private readonly string manifest;
        private int position;

        public Reader(ReadOnlySpan<byte> bytes, string manifest, byte formatVersion)
        {
            this.bytes = bytes;
            this.manifest = manifest;
            if (bytes.Length == 0 || bytes[0] != formatVersion)
            {
                throw new SerializationException($"tensor payload {manifest}: expected format version {formatVersion}, found {(bytes.Length == 0 ? "no bytes" : bytes[0].ToString(System.Globalization.CultureInfo.InvariantCulture))}");
            }

            position = 1;
        }

        // the fields of a decrypted record: no format byte before them
        public Reader(ReadOnlySpan<byte> fields, string manifest)
        {
            bytes = fields;
            this.manifest = manifest;
            position = 0;
        }

        public string String()
        {
            var count = Int();
            if (count < 0)
            {
                throw Fail($"a string length of {count}");
            }

            var text = Encoding.UTF8.GetString(Take(count, "string"));
            return text;
        }

        public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4, "int"));

        public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8, "long"));

        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, "double"));

        public ShardOptimizerSpec Optimizer()
        {
            var kind = Int();
            if (!Enum.IsDefined((ShardOptimizerKind)kind))
            {
                throw Fail($"optimizer kind {kind}");
            }

            return new ShardOptimizerSpec((ShardOptimizerKind)kind, Single(), Single(), Single(), Single(), Single(), Single());
        }

        public float Single() => BinaryPrimitives.ReadSingleLittleEndian(Take(4, "float"));

        public int Count(string what)
        {
            var count = Int();
            if (count < 0 || count > bytes.Length - position)
            {
                throw Fail($"a count of {count} {what} at byte {position - 4}");
            }

            return count;
        }

        public byte[] Bytes()
        {
            var count = Int();
            if (count < 0 || count > bytes.Length - position)
            {
                throw Fail($"a payload of {count} bytes at byte {position - 4} needs {count} bytes, {bytes.Length - position} are left");
            }

            return Take(count, $"{count} payload bytes").ToArray();
        }

        public float[] Floats()
        {
            var count = Int();
            if (count < 0)
            {
                throw Fail($"a float count of {count}");
            }

            if (count > (bytes.Length - position) / 4)
            {
                throw Fail($"{count} floats at byte {position} needs {(long)count * 4} bytes, {bytes.Length - position} are left");
            }

            var source = Take(count * 4, $"{count} floats");
            var values = new float[count];
            if (BitConverter.IsLittleEndian)
            {
                source.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * 4)..]);
                }
            }

            return values;
        }

        public readonly void End()
        {
            if (position != bytes.Length)
            {
                throw Fail($"{bytes.Length - position} bytes after the message");
            }
        }

        private ReadOnlySpan<byte> Take(int count, string what)
        {
            if (count > bytes.Length - position)
            {
                throw Fail($"{what} at byte {position} needs {count} bytes, {bytes.Length - position} are left");
            }

            var span = bytes.Slice(position, count);
            position += count;
            return span;
        }

        private readonly SerializationException Fail(string problem) =>
            new($"tensor payload {manifest}: {problem} (message of {bytes.Length} bytes)");
    }
}
