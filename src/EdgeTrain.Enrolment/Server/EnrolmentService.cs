using EdgeTrain.Enrolment.Protocol;
using Google.Protobuf;
using Grpc.Core;

namespace EdgeTrain.Enrolment.Server;

/// <summary>
/// The gRPC face of <see cref="EnrolmentDesk"/>: reads requests, answers grants, and turns a refusal into a
/// status whose message names the problem.
/// </summary>
public sealed class EnrolmentService(EnrolmentDesk desk, EnrolmentReport report) : Protocol.Enrolment.EnrolmentBase
{
    /// <inheritdoc />
    public override Task<CaReply> GetCa(CaRequest request, ServerCallContext context) =>
        Task.FromResult(new CaReply { CaDer = ByteString.CopyFrom(desk.Ca.RawData) });

    /// <inheritdoc />
    public override async Task<EnrolReply> Enrol(EnrolRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var grant = await Answer("enrol", context, () => desk.EnrolAsync(request.Token, request.CsrDer.Memory, [.. request.Roles], Peer(context), context.CancellationToken)).ConfigureAwait(false);
        return Reply(grant);
    }

    /// <inheritdoc />
    public override async Task<EnrolReply> Renew(RenewRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var client = context.GetHttpContext().Connection.ClientCertificate;
        var grant = await Answer("renew", context, () => desk.RenewAsync(client, request.CsrDer.Memory, Peer(context), context.CancellationToken)).ConfigureAwait(false);
        return Reply(grant);
    }

    private async Task<EnrolmentGrant> Answer(string what, ServerCallContext context, Func<Task<EnrolmentGrant>> act)
    {
        try
        {
            var grant = await act().ConfigureAwait(false);
            report.Line($"{what}: {grant.Record.NodeId} from {grant.Record.Peer}, {grant.Record.Detail}");
            return grant;
        }
        catch (EnrolmentRefusal refusal)
        {
            report.Line($"{what}: refused {Peer(context)}: {refusal.Message}");
            throw new RpcException(new Status(EnrolmentRefusal.Status(refusal.Problem), refusal.Message));
        }
    }

    private static EnrolReply Reply(EnrolmentGrant grant)
    {
        using (grant.Certificate)
        using (grant.Ca)
        {
            return new EnrolReply
            {
                CertificateDer = ByteString.CopyFrom(grant.Certificate.RawData),
                CaDer = ByteString.CopyFrom(grant.Ca.RawData),
                RevocationList = ByteString.CopyFrom(grant.Revocations.ToBytes()),
            };
        }
    }

    private static string Peer(ServerCallContext context)
    {
        var connection = context.GetHttpContext().Connection;
        return connection.RemoteIpAddress is { } address ? $"{address}:{connection.RemotePort}" : context.Peer;
    }
}
