namespace EdgeTrain.Core.Reputation;

/// <summary>
/// The one place where a node's cluster address becomes the identity its reputation is kept under. Today
/// the identity is the address itself (what the aggregators and the scheduler know a node by); once nodes
/// enrol with certificates it becomes the certificate subject, here and nowhere else.
/// </summary>
public static class ReputationIdentity
{
    /// <summary>The reputation identity of the node at <paramref name="address"/>.</summary>
    public static string Of(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address;
    }
}
