using Akka.Actor;
using Hyperion;
using HyperionSerializer = Hyperion.Serializer;

namespace EdgeTrain.Actors.Serialization;

/// <summary>
/// Akka serializer over Hyperion 0.12 for every <see cref="IEdgeTrainMessage"/> (the
/// Akka.Serialization.Hyperion package is not used). Unsafe types are disallowed and only
/// <see cref="AllowedTypes"/> may appear; actor references travel as their paths and are
/// resolved against the receiving system.
/// </summary>
public sealed class HyperionSerializerAdapter : Akka.Serialization.Serializer
{
    /// <summary>The serializer id registered in <c>akka.actor.serialization-identifiers</c>.</summary>
    public const int SerializerId = 4711;

    private readonly HyperionSerializer serializer;

    /// <summary>Created by Akka's serialization extension.</summary>
    public HyperionSerializerAdapter(ExtendedActorSystem system) : base(system)
    {
        var surrogates = new[]
        {
            Surrogate.Create<IActorRef, ActorRefSurrogate>(
                actor => new ActorRefSurrogate(Akka.Serialization.Serialization.SerializedActorPath(actor)),
                surrogate => system.Provider.ResolveActorRef(surrogate.Path)),
        };
        serializer = new HyperionSerializer(new SerializerOptions(
            versionTolerance: true,
            preserveObjectReferences: false,
            surrogates: surrogates,
            serializerFactories: null,
            knownTypes: null,
            ignoreISerializable: true,
            packageNameOverrides: null,
            disallowUnsafeTypes: true,
            typeFilter: AllowedTypes.Instance));
    }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        serializer.Serialize(obj, stream);
        return stream.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, Type type)
    {
        using var stream = new MemoryStream(bytes);
        return serializer.Deserialize<object>(stream);
    }
}
