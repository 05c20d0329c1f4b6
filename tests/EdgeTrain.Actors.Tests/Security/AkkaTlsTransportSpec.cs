using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;
using EdgeTrain.Actors.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.Actors.Tests.Security;

/// <summary>
/// What Akka.NET 1.5.73's DotNetty transport does with a custom certificate validator, on which the
/// membership guard's binding and the validator's outbound rule rest (docs/decisions.md): what
/// <c>remotePeer</c> holds each way, and that a refused outbound handshake stops the dialling node.
/// </summary>
public sealed class AkkaTlsTransportSpec
{
    [Fact]
    public async Task RemotePeer_is_the_socket_end_point_inbound_and_the_dialled_transport_address_outbound()
    {
        using var pki = new TestPki();
        var seen = new ConcurrentQueue<(string Validator, string Peer)>();
        var (a, _) = Start(pki, "a", seen, refuseOutbound: false);
        var (b, _) = Start(pki, "b", seen, refuseOutbound: false);
        try
        {
            var bAddress = ((ExtendedActorSystem)b).Provider.DefaultAddress;
            await a.ActorSelection(bAddress + "/system").Ask<ActorIdentity>(new Identify(1), TimeSpan.FromSeconds(10));
            // passive connections off: b answers over a connection of its own to a's advertised address
            var aAddress = ((ExtendedActorSystem)a).Provider.DefaultAddress;

            Assert.Contains(("a", $"ssl.tcp://probe@127.0.0.1:{bAddress.Port}"), seen);
            Assert.Contains(("b", $"ssl.tcp://probe@127.0.0.1:{aAddress.Port}"), seen);
            var inbound = seen.Where(s => !s.Peer.Contains("://", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(inbound);
            Assert.All(inbound, s => Assert.Matches(new Regex(@"^\[::ffff:127\.0\.0\.1\]:\d+$"), s.Peer));
            Assert.DoesNotContain(inbound, s => s.Peer.EndsWith($":{aAddress.Port}", StringComparison.Ordinal) || s.Peer.EndsWith($":{bAddress.Port}", StringComparison.Ordinal));
            Assert.Equal($"127.0.0.1:{bAddress.Port}", PeerCertificates.ListenerOf($"ssl.tcp://probe@127.0.0.1:{bAddress.Port}"));
            Assert.Null(PeerCertificates.ListenerOf("[::ffff:127.0.0.1]:50123"));
        }
        finally
        {
            await Task.WhenAll(a.Terminate(), b.Terminate());
        }
    }

    [Fact]
    public async Task A_refused_outbound_handshake_shuts_the_dialling_node_down()
    {
        using var pki = new TestPki();
        var seen = new ConcurrentQueue<(string Validator, string Peer)>();
        var (dialler, _) = Start(pki, "dialler", seen, refuseOutbound: true);
        var (target, _) = Start(pki, "target", seen, refuseOutbound: false);
        try
        {
            var address = ((ExtendedActorSystem)target).Provider.DefaultAddress;
            dialler.ActorSelection(address + "/system").Tell(new Identify(1));

            await dialler.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal("TlsHandshakeFailureReason", CoordinatedShutdown.Get(dialler).ShutdownReason?.GetType().Name);
            Assert.Equal(79, CoordinatedShutdown.Get(dialler).ShutdownReason!.ExitCode);
            Assert.False(target.WhenTerminated.IsCompleted);
        }
        finally
        {
            await Task.WhenAll(dialler.Terminate(), target.Terminate());
        }
    }

    private static (ActorSystem System, string Name) Start(TestPki pki, string name, ConcurrentQueue<(string, string)> seen, bool refuseOutbound)
    {
        using var issued = pki.Issue(name, ["params"]);
        var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(issued.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
        var config = ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.stdout-loglevel = OFF
            akka.remote.use-passive-connections = off
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0, enable-ssl = on }
            """);
        CertificateValidationCallback validator = (_, _, peer, _, _) =>
        {
            seen.Enqueue((name, peer));
            return !(refuseOutbound && peer.Contains("://", StringComparison.Ordinal));
        };
        return (ActorSystem.Create("probe", ClusterTls.SystemSetup(config, new DotNettySslSetup(certificate, false, true, false, validator))), name);
    }
}
