using Akka.Actor;
using Akka.Event;
using EdgeTrain.Actors.Gateway;
using EdgeTrain.Actors.Security;
using EdgeTrain.Core.Security;
using EdgeTrain.Gateway.Protocol;
using Grpc.Core;
using static EdgeTrain.Actors.Gateway.GatewayProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;
using GrpcStatus = Grpc.Core.Status;

namespace EdgeTrain.Gateway.Server;

/// <summary>
/// One device's stream: who it is (over TLS, its certificate, which must chain to the cluster's CA, be
/// unrevoked and grant the trainer role; the refusal says why), its <c>Hello</c>, then its messages
/// read into its stand-in (<see cref="DeviceActor"/>) and the stand-in's written back, until either side
/// ends the stream. Frames that do not read are counted and skipped; nothing the device sent before is lost.
/// </summary>
internal sealed class GatewayService(GatewayContext gateway) : Protocol.Gateway.GatewayBase
{
    public override async Task Connect(IAsyncStreamReader<DeviceFrame> requestStream, IServerStreamWriter<GatewayFrame> responseStream, ServerCallContext context)
    {
        var stop = context.CancellationToken;
        var certified = Certified(context);
        if (!await requestStream.MoveNext(stop).ConfigureAwait(false) || requestStream.Current.KindCase != DeviceFrame.KindOneofCase.Hello)
        {
            throw Refuse(StatusCode.InvalidArgument, context, "the stream must begin with a Hello");
        }

        var hello = requestStream.Current.Hello;
        if (certified is not null && hello.DeviceId.Length > 0 && hello.DeviceId != certified)
        {
            throw Refuse(StatusCode.PermissionDenied, context, $"the Hello names device {hello.DeviceId}, but the certificate names {certified}");
        }

        var id = certified ?? hello.DeviceId;
        if (!DeviceNames.IsValidId(id))
        {
            throw Refuse(StatusCode.InvalidArgument, context, $"'{id}' cannot name a device (1 to 64 letters, digits, '-', '_', '.')");
        }

        RegisterNode offer;
        try
        {
            offer = hello.Registration is { } r && gateway.Wire.ReadObject(r) is RegisterNode register
                ? register
                : throw new InvalidDataException("the Hello carries no registration (a RegisterNode)");
        }
        catch (InvalidDataException e)
        {
            throw Refuse(StatusCode.InvalidArgument, context, e.Message);
        }

        var link = new DeviceLink(gateway.Settings.LinkCapacity);
        DeviceAttached attached;
        try
        {
            attached = await gateway.Actor.Ask<DeviceAttached>(
                new AttachDevice(id, offer.Region, offer.Capabilities, Math.Clamp(offer.TrainerSlots, 1, 64), link) { Peer = context.Peer }, TimeSpan.FromSeconds(10), stop).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            throw Refuse(StatusCode.ResourceExhausted, context, e.Message);
        }

        await responseStream.WriteAsync(new GatewayFrame { Welcome = new Welcome { Address = attached.Address, Gateway = gateway.Address } }, stop).ConfigureAwait(false);
        var writer = WriteAsync(link, responseStream, stop);
        try
        {
            while (await requestStream.MoveNext(stop).ConfigureAwait(false))
            {
                var frame = requestStream.Current;
                gateway.Counted(frame.CalculateSize(), 0);
                if (frame.KindCase != DeviceFrame.KindOneofCase.Message)
                {
                    continue;
                }

                try
                {
                    attached.Device.Tell(new FromDevice(gateway.Wire.Read(frame.Message)));
                }
                catch (InvalidDataException e)
                {
                    gateway.Log.Warning("gateway: skipped a frame of device {0}: {1}", attached.Address, e.Message);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or RpcException)
        {
            // the device went away
        }
        finally
        {
            attached.Device.Tell(new DetachDevice(link));
            link.Close();
            await writer.ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(DeviceLink link, IServerStreamWriter<GatewayFrame> stream, CancellationToken stop)
    {
        try
        {
            await foreach (var envelope in link.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                var frame = new GatewayFrame { Message = gateway.Wire.Write(envelope) };
                await stream.WriteAsync(frame, stop).ConfigureAwait(false);
                gateway.Counted(0, frame.CalculateSize());
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
            // the stream ended
        }
    }

    // the device's id from its certificate (null without TLS); refuses a certificate that is not a trainer's of this cluster
    private string? Certified(ServerCallContext context)
    {
        if (gateway.Peers is not { } peers)
        {
            return null;
        }

        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        var check = peers.Observe(context.Peer, null, certificate, null, gateway.Log);
        if (!check.Accepted)
        {
            throw Refuse(StatusCode.PermissionDenied, context, $"{PeerCertificates.Describe(check.Reason)}: {check.Detail}");
        }

        if (!check.Roles.Contains(ClusterRoles.Trainer, StringComparer.Ordinal))
        {
            throw Refuse(StatusCode.PermissionDenied, context, $"the certificate {check.Serial} of node {check.NodeId} grants {string.Join(", ", check.Roles)}, not {ClusterRoles.Trainer}");
        }

        return check.NodeId;
    }

    private RpcException Refuse(StatusCode code, ServerCallContext context, string why)
    {
        gateway.Log.Warning("gateway: refused device stream from {0}: {1}", context.Peer, why);
        return new RpcException(new GrpcStatus(code, why));
    }
}
