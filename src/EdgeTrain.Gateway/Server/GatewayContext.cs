using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;
using EdgeTrain.Actors.Gateway;
using EdgeTrain.Actors.Security;

namespace EdgeTrain.Gateway.Server;

/// <summary>What the gateway's streams share: its actor, settings, certificate checks, wire format and byte counters.</summary>
internal sealed class GatewayContext(IActorRef actor, GatewaySettings settings, PeerCertificates? peers, X509Certificate2? ca, WireMessages wire, ILoggingAdapter log, string address)
{
    private long bytesIn;
    private long bytesOut;

    public IActorRef Actor => actor;

    public GatewaySettings Settings => settings;

    /// <summary>The certificate checks; null without TLS (the device's Hello names it).</summary>
    public PeerCertificates? Peers => peers;

    /// <summary>The cluster's CA, which a browser's join token must be signed by; null without TLS.</summary>
    public X509Certificate2? Ca => ca;

    public WireMessages Wire => wire;

    public ILoggingAdapter Log => log;

    /// <summary>The gateway's cluster address.</summary>
    public string Address => address;

    public long BytesIn => Interlocked.Read(ref bytesIn);

    public long BytesOut => Interlocked.Read(ref bytesOut);

    public void Counted(long read, long written)
    {
        Interlocked.Add(ref bytesIn, read);
        Interlocked.Add(ref bytesOut, written);
    }
}
