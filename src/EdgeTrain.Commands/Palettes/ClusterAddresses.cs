using Akka.Actor;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Commands.Parsing;

namespace EdgeTrain.Commands.Palettes;

/// <summary>Reads a member address as typed: <c>akka.tcp://edgetrain@10.0.0.7:4053</c>, or the short <c>10.0.0.7:4053</c>.</summary>
public static class ClusterAddresses
{
    /// <summary>The address in <paramref name="text"/>.</summary>
    /// <exception cref="CommandUsageException">it is neither form.</exception>
    public static Address Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var full = text.Contains("://", StringComparison.Ordinal) ? text : $"akka.tcp://{ClusterConfigBuilder.SystemName}@{text}";
        try
        {
            var address = Address.Parse(full);
            if (address.Host is null || address.Port is null or < 1 or > 65535)
            {
                throw new UriFormatException("no host or port");
            }

            return address;
        }
        catch (UriFormatException)
        {
            throw new CommandUsageException($"'{text}' is not a member address; expected akka.tcp://{ClusterConfigBuilder.SystemName}@HOST:PORT or HOST:PORT");
        }
    }
}
