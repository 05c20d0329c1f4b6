using Akka.Actor;

namespace EdgeTrain.Actors.Gateway;

/// <summary>
/// How a device that trains through a gateway is named: in the cluster by <c>device://ID</c> (its
/// certificate's node id; the same through whichever gateway it comes), its stand-in on the gateway by
/// <c>/user/gateway/device-ID</c>, and a trainer's node (what reputation and quarantine know) by its
/// cluster address, or the device's name when the sender is a device's stand-in.
/// </summary>
public static class DeviceNames
{
    /// <summary>The gateway actor's name under <c>/user</c>.</summary>
    public const string Gateway = "gateway";

    /// <summary>The scheme of a device's address.</summary>
    public const string Scheme = "device://";

    private const string StandInPrefix = "device-";

    /// <summary>The cluster's name of device <paramref name="deviceId"/>.</summary>
    public static string Address(string deviceId) => Scheme + deviceId;

    /// <summary>True when <paramref name="address"/> names a device behind a gateway.</summary>
    public static bool IsDevice(string address) => address.StartsWith(Scheme, StringComparison.Ordinal);

    /// <summary>The name of device <paramref name="deviceId"/>'s stand-in under the gateway actor.</summary>
    public static string StandIn(string deviceId) => StandInPrefix + Uri.EscapeDataString(deviceId);

    /// <summary>
    /// True when <paramref name="deviceId"/> can name a device: 1 to 64 characters of letters, digits,
    /// '-', '_' and '.' (a certificate's node id is such a name).
    /// </summary>
    public static bool IsValidId(string? deviceId) =>
        deviceId is { Length: > 0 and <= 64 } && deviceId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>
    /// The node a trainer's message came from, as reputation and quarantine know it: the device's address
    /// when <paramref name="sender"/> is (a child of) a device's stand-in on a gateway, else the sender's
    /// cluster address (<paramref name="self"/> for a local sender).
    /// </summary>
    public static string NodeOf(IActorRef sender, Address self)
    {
        ArgumentNullException.ThrowIfNull(sender);
        var elements = sender.Path.Elements;
        if (elements.Count >= 3 && elements[0] == "user" && elements[1] == Gateway && elements[2].StartsWith(StandInPrefix, StringComparison.Ordinal))
        {
            return Address(Uri.UnescapeDataString(elements[2][StandInPrefix.Length..]));
        }

        return (sender.Path.Address.HasLocalScope ? self : sender.Path.Address).ToString();
    }
}
