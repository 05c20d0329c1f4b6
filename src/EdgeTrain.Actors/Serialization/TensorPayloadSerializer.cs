using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Serialization;

/// <summary>
/// Binary serializer for the tensor payload messages (<see cref="SliceData"/>,
/// <see cref="MergedUpdate"/>, <see cref="Contribution"/>): a format byte, the message's scalar
/// fields (strings as UTF-8 with a length prefix, integers and doubles little-endian), the float
/// count, then the floats as raw little-endian bytes. No per-element object serialization.
/// Every length is checked when reading, and a message that does not parse is refused with a
/// <see cref="SerializationException"/> that says which part is wrong.
/// </summary>
public sealed class TensorPayloadSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id registered in <c>akka.actor.serialization-identifiers</c>.</summary>
    public const int SerializerId = 4712;

    private const byte FormatVersion = 1;
    private const string SliceDataManifest = "SD";
    private const string MergedUpdateManifest = "MU";
    private const string ContributionManifest = "CO";

    /// <summary>Created by Akka's serialization extension.</summary>
    public TensorPayloadSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        SliceData => SliceDataManifest,
        MergedUpdate => MergedUpdateManifest,
        Contribution => ContributionManifest,
        _ => throw new ArgumentException($"{o?.GetType()} is not a tensor payload message", nameof(o)),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        var writer = new Writer();
        switch (obj)
        {
            case SliceData m:
                writer.String(m.JobId).Int(m.Slice).Long(m.Version).Floats(m.Values);
                break;
            case MergedUpdate m:
                writer.String(m.JobId).Int(m.Slice).String(m.AggregatorId).Long(m.Sequence).Floats(m.Payload);
                break;
            case Contribution m:
                writer.String(m.JobId).String(m.Region).Int(m.Slice).Long(m.BaseVersion).Double(m.Weight).Floats(m.Payload);
                break;
            default:
                throw new ArgumentException($"{obj?.GetType()} is not a tensor payload message", nameof(obj));
        }

        return writer.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var reader = new Reader(bytes, manifest);
        object message = manifest switch
        {
            SliceDataManifest => new SliceData(reader.String(), reader.Int(), reader.Long(), reader.Floats()),
            MergedUpdateManifest => new MergedUpdate(reader.String(), reader.Int(), reader.String(), reader.Long(), reader.Floats()),
            ContributionManifest => new Contribution(reader.String(), reader.String(), reader.Int(), reader.Long(), reader.Double(), reader.Floats()),
            _ => throw new SerializationException($"tensor payload: unknown manifest '{manifest}'"),
        };
        reader.End();
        return message;
    }

    /// <summary>Tensor payload bytes of a message (the floats alone, as counted in <c>bytesSent</c>).</summary>
    public static long PayloadBytes(float[] values) => (values?.LongLength ?? 0) * sizeof(float);

    private sealed class Writer
    {
        private byte[] buffer = new byte[256];
        private int position;

        public Writer()
        {
            buffer[position++] = FormatVersion;
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

        public byte[] ToArray() => buffer.AsSpan(0, position).ToArray();

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

        public Reader(ReadOnlySpan<byte> bytes, string manifest)
        {
            this.bytes = bytes;
            this.manifest = manifest;
            if (bytes.Length == 0 || bytes[0] != FormatVersion)
            {
                throw new SerializationException($"tensor payload {manifest}: expected format version {FormatVersion}, found {(bytes.Length == 0 ? "no bytes" : bytes[0].ToString(System.Globalization.CultureInfo.InvariantCulture))}");
            }

            position = 1;
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
