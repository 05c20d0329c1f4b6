using Akka.Actor;
using Akka.Serialization;
using EdgeTrain.Core.Audit;
using EdgeTrain.Core.Scheduling;

namespace EdgeTrain.Actors.Serialization;

/// <summary>
/// The journal's form of <see cref="AuditAppended"/>: the entry's stored record as <see cref="AuditEncoding"/>
/// defines it (its canonical bytes, hash and signature), so the stored log is the documented format itself.
/// Reading never throws: a record that does not decode (a byte changed on disk) becomes a stand-in entry
/// (<see cref="AuditEntry.Unreadable"/>) that keeps its place in the log and fails verification there, where
/// an exception would stop the coordinator's recovery.
/// </summary>
public sealed class AuditEntrySerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id registered in <c>akka.actor.serialization-identifiers</c>.</summary>
    public const int SerializerId = 4713;

    /// <summary>The manifest of an <see cref="AuditAppended"/> in format 1.</summary>
    public const string AppendedManifest = "AA1";

    /// <summary>Created by Akka's serialization extension.</summary>
    public AuditEntrySerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override string Manifest(object o) => o is AuditAppended
        ? AppendedManifest
        : throw new ArgumentException($"{nameof(AuditEntrySerializer)} cannot serialize {o?.GetType().Name}", nameof(o));

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => obj is AuditAppended appended
        ? AuditEncoding.Stored(appended.Entry)
        : throw new ArgumentException($"{nameof(AuditEntrySerializer)} cannot serialize {obj?.GetType().Name}", nameof(obj));

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);

        // the sequence number of a record that cannot be read is its place in the log: CoordinatorState gives it
        return new AuditAppended(manifest == AppendedManifest
            ? AuditEncoding.Read(bytes, 0)
            : AuditEntry.Unreadable(0, bytes, $"its manifest '{manifest}' is not {AppendedManifest}"));
    }
}
