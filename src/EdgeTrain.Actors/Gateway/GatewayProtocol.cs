using System.Threading.Channels;
using Akka.Actor;
using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Membership;

namespace EdgeTrain.Actors.Gateway;

/// <summary>Which actor a message between a device and its gateway is for.</summary>
public enum DeviceRoute
{
    /// <summary>The device's trainer host (start and stop a job's trainer).</summary>
    TrainerHost = 0,

    /// <summary>The device's trainer of the message's job (replies: slices, leases, units).</summary>
    Trainer = 1,

    /// <summary>The cluster's parameter shards (pulls).</summary>
    Shards = 2,

    /// <summary>The cluster's region aggregators (contributions, work units).</summary>
    Aggregators = 3,

    /// <summary>The job coordinator (progress, failures, privacy leases).</summary>
    Coordinator = 4,
}

/// <summary>A message on its way between a device and its gateway: for whom, which job, what.</summary>
/// <param name="Route">The actor it is for.</param>
/// <param name="JobId">The job it belongs to.</param>
/// <param name="Message">The message itself.</param>
public sealed record DeviceEnvelope(DeviceRoute Route, string JobId, object Message);

/// <summary>
/// The gateway's side of one device's stream: what the cluster sends the device is written here and
/// the listener writes it to the stream. Bounded: when the device does not keep up, what does not fit
/// is dropped and counted (a trainer asks again for a slice that did not come).
/// </summary>
public sealed class DeviceLink
{
    private readonly Channel<DeviceEnvelope> channel;
    private long dropped;

    /// <summary>Creates a link holding at most <paramref name="capacity"/> messages not yet written.</summary>
    public DeviceLink(int capacity) =>
        channel = Channel.CreateBounded<DeviceEnvelope>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    /// <summary>What the listener writes to the device's stream.</summary>
    public ChannelReader<DeviceEnvelope> Reader => channel.Reader;

    /// <summary>Messages dropped because the device did not keep up.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <summary>Queues <paramref name="envelope"/> for the device; false (and counted) when the link is full or closed.</summary>
    public bool Send(DeviceEnvelope envelope)
    {
        if (channel.Writer.TryWrite(envelope))
        {
            return true;
        }

        Interlocked.Increment(ref dropped);
        return false;
    }

    /// <summary>Closes the link: the stream ended.</summary>
    public void Close() => channel.Writer.TryComplete();
}

/// <summary>Messages of the gateway role (<c>/user/gateway</c>) and its device stand-ins.</summary>
public static class GatewayProtocol
{
    /// <summary>
    /// A device's stream was accepted by the listener: its identity (from its certificate), what it
    /// offers, and the link to it. Answered with <see cref="DeviceAttached"/>. A device that connects
    /// again (to this gateway or, after a gateway died, to another) is the same device.
    /// </summary>
    public sealed record AttachDevice(string DeviceId, string Region, NodeCapabilities Capabilities, int TrainerSlots, DeviceLink Link)
    {
        /// <summary>Where the device's stream comes from, as the listener sees it (behind NAT: its router's public address).</summary>
        public string Peer { get; init; } = "";

        /// <summary>
        /// True when the device keeps nothing across its streams (a browser tab's session on the gateway): a stand-in it
        /// comes back to sends it again the start of every job it trains.
        /// </summary>
        public bool ReplayStarts { get; init; }
    }

    /// <summary>The device is attached: its address in the cluster and its stand-in, where its messages go.</summary>
    public sealed record DeviceAttached(string Address, IActorRef Device);

    /// <summary>The device's stream on <paramref name="Link"/> ended (the stand-in waits for it to come back).</summary>
    public sealed record DetachDevice(DeviceLink Link);

    /// <summary>A message the device sent (decoded from its stream, not yet checked).</summary>
    public sealed record FromDevice(DeviceEnvelope Envelope);

    /// <summary>
    /// A device did not come back within <c>edgetrain.gateway.device-grace</c>: the coordinator moves its
    /// partitions to other trainers (sent by the device's stand-in; ignored when the device registered
    /// through another gateway since).
    /// </summary>
    public sealed record DeviceGone(string Address, string Reason) : IEdgeTrainMessage;

    /// <summary>Asks the gateway for its devices; answered by <see cref="GatewayDevices"/>.</summary>
    public sealed record GetGatewayDevices
    {
        /// <summary>The single instance.</summary>
        public static readonly GetGatewayDevices Instance = new();

        private GetGatewayDevices()
        {
        }
    }

    /// <summary>One device as its gateway sees it.</summary>
    public sealed record GatewayDevice(string Address, bool Connected, long MessagesIn, long MessagesOut, long Refused, long Dropped);

    /// <summary>The gateway's devices.</summary>
    public sealed record GatewayDevices(IReadOnlyList<GatewayDevice> Devices);
}
