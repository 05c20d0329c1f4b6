using System.Net;
using System.Net.Sockets;

namespace EdgeTrain.Tests;

/// <summary>Free TCP ports on 127.0.0.1 for test clusters.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port nothing listens on right now (the system's pick).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
