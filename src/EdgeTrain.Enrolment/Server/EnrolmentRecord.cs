using System.Globalization;
using EdgeTrain.Core.Audit;

namespace EdgeTrain.Enrolment.Server;

/// <summary>
/// What the audit log keeps of one enrolment or renewal: never the token's text, only its id.
/// </summary>
/// <param name="Action">The audit action (<see cref="AuditActions.NodeEnrol"/> or <see cref="AuditActions.NodeRenew"/>).</param>
/// <param name="NodeId">The node the certificate names.</param>
/// <param name="Serial">The certificate's serial number (hexadecimal).</param>
/// <param name="Roles">The roles it grants.</param>
/// <param name="TokenId">The join token's id (empty for a renewal).</param>
/// <param name="NotAfter">When the certificate expires.</param>
/// <param name="Peer">Where the request came from.</param>
public sealed record EnrolmentRecord(string Action, string NodeId, string Serial, IReadOnlyList<string> Roles, string TokenId, DateTimeOffset NotAfter, string Peer)
{
    /// <summary>Who the entry says acted: the enrolment listener and the peer it served.</summary>
    public string Who => $"enrolment ({Peer})";

    /// <summary>The entry's detail: serial, roles, token id, expiry.</summary>
    public string Detail => string.Create(CultureInfo.InvariantCulture,
        $"serial {Serial}, roles {string.Join(",", Roles)}{(TokenId.Length > 0 ? $", token {TokenId}" : "")}, valid until {NotAfter.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
}
