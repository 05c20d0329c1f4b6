using System.Net;
using System.Net.Sockets;

namespace EdgeTrain.Actors.Hosting;

/// <summary>The address a listener of this node (the command host, the enrolment listener) binds to.</summary>
public static class ListenAddress
{
    /// <summary>
    /// <paramref name="host"/> as an address: <c>*</c> or <c>0.0.0.0</c> for every interface, an IP address
    /// as it is, a name through DNS (its first IPv4 address, else its first).
    /// </summary>
    /// <param name="host">The configured host.</param>
    /// <param name="key">The configuration key it came from, for the error.</param>
    /// <exception cref="InvalidOperationException">the name does not resolve (naming the key and the host).</exception>
    public static async Task<IPAddress> ResolveAsync(string host, string key)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host is "*" or "0.0.0.0")
        {
            return IPAddress.Any;
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host).ConfigureAwait(false);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First();
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{key}: cannot resolve '{host}': {e.Message}", e);
        }
    }
}
