using Akka.Configuration;

namespace EdgeTrain.Actors.Gateway;

/// <summary>
/// <c>edgetrain.gateway</c>: the listener for devices that only dial out, and how long a device's stand-in
/// waits for it to come back.
/// </summary>
/// <param name="Host">The address the listener binds to.</param>
/// <param name="Port">Its port (0: any free one).</param>
/// <param name="DeviceGrace">How long a disconnected device keeps its partitions before the coordinator moves them.</param>
/// <param name="MaxDevices">Devices one gateway carries at once (more are refused with the reason).</param>
/// <param name="MaxMessageSize">The largest message on a device's stream, either way.</param>
/// <param name="LinkCapacity">Messages queued for one device before more are dropped.</param>
/// <param name="ReconnectMin">A device's first wait before it dials again.</param>
/// <param name="ReconnectMax">Its longest wait (the waits double up to it).</param>
public sealed record GatewaySettings(string Host, int Port, TimeSpan DeviceGrace, int MaxDevices, int MaxMessageSize, int LinkCapacity, TimeSpan ReconnectMin, TimeSpan ReconnectMax)
{
    /// <summary>A folder of sample data sets the gateway serves to browser tabs (<c>/browser/sample/SET/FILE</c>; empty: none).</summary>
    public string BrowserSampleData { get; init; } = "";

    /// <summary>The default port of the gateway's listener.</summary>
    public const int DefaultPort = 9113;

    /// <summary>Reads <c>edgetrain.gateway</c> from <paramref name="config"/> (the reference's values where it has none).</summary>
    /// <exception cref="Core.InvalidInputException">a value is out of range, naming the key.</exception>
    public static GatewaySettings Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = config.WithFallback(EdgeTrainConfig.ReferenceConfig).GetConfig("edgetrain.gateway");
        var settings = new GatewaySettings(
            c.GetString("host"),
            c.GetInt("port"),
            c.GetTimeSpan("device-grace"),
            c.GetInt("max-devices"),
            (int)Math.Min(int.MaxValue, c.GetByteSize("max-message-size") ?? 0),
            c.GetInt("link-capacity"),
            c.GetTimeSpan("reconnect-min"),
            c.GetTimeSpan("reconnect-max"))
        {
            BrowserSampleData = c.GetString("browser-sample-data", ""),
        };
        Check(settings.Port is >= 0 and <= 65535, "port", settings.Port, "a port from 0 to 65535");
        Check(settings.DeviceGrace > TimeSpan.Zero, "device-grace", settings.DeviceGrace, "a positive duration");
        Check(settings.MaxDevices > 0, "max-devices", settings.MaxDevices, "at least 1");
        Check(settings.MaxMessageSize >= 64 * 1024, "max-message-size", settings.MaxMessageSize, "at least 64 KiB");
        Check(settings.LinkCapacity >= 16, "link-capacity", settings.LinkCapacity, "at least 16");
        Check(settings.ReconnectMin > TimeSpan.Zero && settings.ReconnectMax >= settings.ReconnectMin, "reconnect-max", settings.ReconnectMax, "a positive reconnect-min and a reconnect-max no shorter");
        return settings;
    }

    private static void Check(bool ok, string key, object value, string expected)
    {
        if (!ok)
        {
            throw new Core.InvalidInputException("configuration", "edgetrain.gateway." + key, $"{value} is out of range; expected {expected}");
        }
    }
}
