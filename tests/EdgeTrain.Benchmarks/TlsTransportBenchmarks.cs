using Akka.Actor;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Security;
using EdgeTrain.Core.Security;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Benchmarks;

/// <summary>
/// What mutual TLS costs Akka.Remote on the wire: the two ActorSystems of <see cref="TransportBenchmarks"/>
/// (<see cref="ClusterConfigBuilder.ForClient"/>, 1 MiB <see cref="SliceData"/> on 127.0.0.1) over plain
/// DotNetty TCP (<see cref="Tls"/> false) or over TLS with mutual authentication set up as a node does
/// (<see cref="Tls"/> true): a CA made with <see cref="CertificateAuthority.Init"/> in a temporary folder
/// issues one node certificate to each system (<see cref="CertificateAuthority.IssueSelf"/>), each is
/// written as an identity folder and read back with <see cref="ClusterTls.LoadIdentity"/>, and the system
/// starts from <see cref="ClusterTls.Remoting"/>, <see cref="ClusterTls.Setup"/> and
/// <see cref="ClusterTls.SystemSetup"/>, peers checked by <see cref="PeerCertificates.Validator"/>. The
/// connections (and their handshakes) are made in the setup, so only the traffic is timed.
/// <see cref="Stream"/> is throughput (64 messages back to back, one reply after the last, reported per
/// message); <see cref="RoundTrip"/> is latency (one message, one reply per message).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 4, iterationCount: 10)]
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
[BenchmarkCategory("Transport")]
public class TlsTransportBenchmarks
{
    private string? pkiFolder;
    private NodeIdentity? senderIdentity;
    private NodeIdentity? receiverIdentity;
    private ActorSystem? senderSystem;
    private ActorSystem? receiverSystem;
    private IActorRef streamDriver = ActorRefs.Nobody;
    private IActorRef roundTripDriver = ActorRefs.Nobody;

    /// <summary>Akka.Remote over mutual TLS (true) or plain TCP (false).</summary>
    [Params(false, true)]
    public bool Tls { get; set; }

    /// <summary>Issues the two node identities (over TLS), starts both ActorSystems and connects them.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var message = new SliceData("job-1", 3, 42, Slice.Random(4));
        var mode = Tls ? SecurityMode.Tls : SecurityMode.Insecure;
        var config = ClusterTls.Remoting(mode).WithFallback(ClusterConfigBuilder.ForClient());
        if (Tls)
        {
            pkiFolder = Directory.CreateTempSubdirectory("edgetrain-tls-bench-").FullName;
            var caFolder = Path.Combine(pkiFolder, "ca");
            using (var ca = CertificateAuthority.Init(caFolder, "EdgeTrain benchmark CA"))
            {
                receiverIdentity = Identity(ca, "bench-receiver");
                senderIdentity = Identity(ca, "bench-sender");
            }
        }

        receiverSystem = Start("receiver", config, receiverIdentity);
        senderSystem = Start("sender", config, senderIdentity);
        var address = ((ExtendedActorSystem)receiverSystem).Provider.DefaultAddress;
        if (address.Protocol != ClusterTls.Protocol(mode))
        {
            throw new InvalidOperationException($"the receiver listens at {address}, expected the {ClusterTls.Protocol(mode)} scheme");
        }

        receiverSystem.ActorOf(Props.Create(() => new SliceCountingReceiver(TransportBenchmarks.MessagesPerOp)), "counter");
        receiverSystem.ActorOf(Props.Create(() => new SliceCountingReceiver(1)), "echo");
        streamDriver = senderSystem.ActorOf(Props.Create(() => new SliceBatchDriver(Resolve(senderSystem, address, "counter"), message, TransportBenchmarks.MessagesPerOp)), "stream");
        roundTripDriver = senderSystem.ActorOf(Props.Create(() => new SliceBatchDriver(Resolve(senderSystem, address, "echo"), message, 1)), "round-trip");
    }

    /// <summary>Terminates both ActorSystems and deletes the certificates.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        Task.WaitAll(
            senderSystem?.Terminate() ?? Task.CompletedTask,
            receiverSystem?.Terminate() ?? Task.CompletedTask);
        senderSystem?.Dispose();
        receiverSystem?.Dispose();
        senderIdentity?.Dispose();
        receiverIdentity?.Dispose();
        if (pkiFolder is not null)
        {
            Directory.Delete(pkiFolder, recursive: true);
        }
    }

    /// <summary>Throughput: 64 slices told back to back, one reply after the last; the time is per message.</summary>
    [Benchmark(OperationsPerInvoke = TransportBenchmarks.MessagesPerOp)]
    public Task Stream() => Run(streamDriver);

    /// <summary>Latency: one slice told, and the receiver's reply to it.</summary>
    [Benchmark]
    public Task RoundTrip() => Run(roundTripDriver);

    private static Task Run(IActorRef driver)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        driver.Tell(done);
        return done.Task;
    }

    /// <summary>A node certificate for <paramref name="nodeId"/>, written as its identity folder and read back as a node reads it.</summary>
    private NodeIdentity Identity(CertificateAuthority ca, string nodeId)
    {
        using var certificate = ca.IssueSelf(nodeId, [ClusterRoles.Params], CertificateAuthority.DefaultNodeValidity);
        var folder = new IdentityFolder(Path.Combine(pkiFolder!, nodeId));
        folder.Write(certificate, ca.Certificate);
        return ClusterTls.LoadIdentity(folder, [ClusterRoles.Params]);
    }

    private static ActorSystem Start(string name, Config config, NodeIdentity? identity)
    {
        if (identity is null)
        {
            return ActorSystem.Create(name, ClusterTls.SystemSetup(config, null));
        }

        var peers = new PeerCertificates(identity.Ca, RevocationList.Empty, TimeProvider.System);
        var system = ActorSystem.Create(name, ClusterTls.SystemSetup(config, ClusterTls.Setup(identity, peers)));
        peers.Attach(system);
        return system;
    }

    private static IActorRef Resolve(ActorSystem system, Address address, string name) =>
        system.ActorSelection(new RootActorPath(address) / "user" / name)
            .ResolveOne(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
}
