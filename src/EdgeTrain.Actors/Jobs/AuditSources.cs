using Akka.Actor;

namespace EdgeTrain.Actors.Jobs;

/// <summary>
/// Who asked the coordinator for something, as its audit log names them: a command-line client (whose
/// requests reach the coordinator through a seed's cluster-client receptionist, from a response tunnel named
/// after the client's own actor path), or an actor of the cluster.
/// </summary>
public static class AuditSources
{
    /// <summary>Whether <paramref name="sender"/> is a receptionist's response tunnel: the request came from outside the cluster.</summary>
    public static bool ThroughReceptionist(IActorRef sender)
    {
        ArgumentNullException.ThrowIfNull(sender);
        var elements = sender.Path.Elements;
        return elements.Count == 3 && elements[0] == "system" && elements[1] == "receptionist";
    }

    /// <summary>
    /// The requester <paramref name="sender"/> stands for: <c>client akka.tcp://edgetrain-client@HOST:PORT</c> for a
    /// command-line client, <c>actor PATH</c> for an actor of the cluster (a local one on <paramref name="self"/>).
    /// </summary>
    public static string Requester(IActorRef sender, Address self)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(self);
        if (sender.IsNobody())
        {
            return "unknown (no sender)";
        }

        if (ThroughReceptionist(sender))
        {
            var client = Uri.UnescapeDataString(sender.Path.Name);
            return ActorPath.TryParse(client, out var path) ? $"client {path.Address}" : $"client {client}";
        }

        var address = sender.Path.Address.HasLocalScope ? self : sender.Path.Address;
        return $"actor {sender.Path.ToStringWithoutAddress()} on {address}";
    }

    /// <summary>
    /// Why <paramref name="sender"/> may not append to the audit log, or null when it may: only actors of this
    /// node or of a member (<paramref name="isMember"/>) may, never a client through the receptionist, nor a message without a sender.
    /// </summary>
    public static string? AppendRefusal(IActorRef sender, Func<Address, bool> isMember)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(isMember);
        if (ThroughReceptionist(sender))
        {
            return "command-line clients cannot append to the audit log; it records what they ask for";
        }

        if (sender.IsNobody())
        {
            return "an entry needs a sender to answer and to name";
        }

        return sender.Path.Address.HasLocalScope || isMember(sender.Path.Address) ? null : $"{sender.Path.Address} is not a member of this cluster";
    }
}
