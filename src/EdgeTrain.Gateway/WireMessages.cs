using Akka.Actor;
using EdgeTrain.Actors.Gateway;
using EdgeTrain.Gateway.Protocol;
using Google.Protobuf;

namespace EdgeTrain.Gateway;

/// <summary>
/// The cluster's messages on a device's stream: serialized by the ActorSystem's own serializers (the same
/// bytes as between members), and read back only from EdgeTrain's two serializers, whose type filter admits
/// EdgeTrain's types alone: a frame naming any other serializer is refused before it is read.
/// </summary>
public sealed class WireMessages
{
    /// <summary>The serializer ids a frame may name: the Hyperion adapter (4711) and tensor payloads (4712).</summary>
    public static readonly IReadOnlySet<int> Allowed = new HashSet<int> { 4711, 4712 };

    private readonly Akka.Serialization.Serialization serialization;

    /// <summary>Reads and writes messages with <paramref name="system"/>'s serializers.</summary>
    public WireMessages(ActorSystem system) => serialization = system.Serialization;

    /// <summary>The frame of <paramref name="envelope"/>.</summary>
    public Message Write(DeviceEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var serializer = serialization.FindSerializerFor(envelope.Message);
        return new Message
        {
            Route = (Route)(int)envelope.Route,
            JobId = envelope.JobId,
            Serializer = serializer.Identifier,
            Manifest = Akka.Serialization.Serialization.ManifestFor(serializer, envelope.Message),
            Payload = UnsafeByteOperations.UnsafeWrap(serializer.ToBinary(envelope.Message)),
        };
    }

    /// <summary>The message of <paramref name="frame"/>.</summary>
    /// <exception cref="InvalidDataException">the frame names another serializer, an unknown route, or its bytes do not read (saying which).</exception>
    public DeviceEnvelope Read(Message frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!Enum.IsDefined((DeviceRoute)(int)frame.Route))
        {
            throw new InvalidDataException($"unknown route {(int)frame.Route}");
        }

        return new DeviceEnvelope((DeviceRoute)(int)frame.Route, frame.JobId, ReadObject(frame));
    }

    /// <summary>The object in <paramref name="frame"/> (its route and job aside).</summary>
    /// <exception cref="InvalidDataException">as <see cref="Read"/>.</exception>
    public object ReadObject(Message frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!Allowed.Contains(frame.Serializer))
        {
            throw new InvalidDataException($"serializer {frame.Serializer} is not one a device may use (expected {string.Join(" or ", Allowed)})");
        }

        try
        {
            return serialization.Deserialize(frame.Payload.ToByteArray(), frame.Serializer, frame.Manifest);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"a {frame.Manifest} message does not read: {e.GetBaseException().Message}", e);
        }
    }

    /// <summary>The frame of a message outside any job (the device's registration).</summary>
    public Message WriteObject(object value) => Write(new DeviceEnvelope(DeviceRoute.TrainerHost, "", value));
}
