using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Serialization;
using BenchmarkDotNet.Attributes;
using EdgeTrain.Actors.Hosting;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Benchmarks;

/// <summary>
/// Throughput of 1 MiB slice messages between two endpoints on 127.0.0.1: Akka.Remote between two
/// ActorSystems configured as EdgeTrain's programs are (<see cref="ClusterConfigBuilder.ForClient"/>:
/// remote provider, <c>hocon/edgetrain.conf</c>'s 20 MiB frames and socket buffers, the tensor payload
/// serializer for <see cref="SliceData"/>), against a raw TCP socket pair carrying the same serialized
/// bytes with a 4-byte length prefix. One operation sends <see cref="MessagesPerOp"/> messages back to
/// back and waits for one reply from the receiver after the last of them, so the time is throughput,
/// not round trips; the mean is reported per message (OperationsPerInvoke).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
[BenchmarkCategory("Transport")]
public class TransportBenchmarks
{
    /// <summary>Messages sent per operation before the receiver replies.</summary>
    public const int MessagesPerOp = 64;

    private ActorSystem? senderSystem;
    private ActorSystem? receiverSystem;
    private IActorRef driver = ActorRefs.Nobody;
    private Socket? client;
    private Socket? server;
    private Thread? tcpReceiver;
    private byte[] frame = [];
    private readonly byte[] ack = new byte[1];

    /// <summary>Starts both ActorSystems and the socket pair, and resolves the remote receiver.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var message = new SliceData("job-1", 3, 42, Slice.Random(4));

        var config = ClusterConfigBuilder.ForClient();
        receiverSystem = ActorSystem.Create("receiver", config);
        senderSystem = ActorSystem.Create("sender", config);
        receiverSystem.ActorOf(Props.Create(() => new SliceCountingReceiver(MessagesPerOp)), "counter");
        var address = ((ExtendedActorSystem)receiverSystem).Provider.DefaultAddress;
        var counter = senderSystem.ActorSelection(new RootActorPath(address) / "user" / "counter")
            .ResolveOne(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        driver = senderSystem.ActorOf(Props.Create(() => new SliceBatchDriver(counter, message, MessagesPerOp)), "driver");

        var serializer = (SerializerWithStringManifest)((ExtendedActorSystem)senderSystem).Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        frame = new byte[sizeof(int) + bytes.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, bytes.Length);
        bytes.CopyTo(frame.AsSpan(sizeof(int)));

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        client = Connect(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        client.Connect(listener.LocalEndpoint);
        server = Connect(listener.AcceptSocket());
        tcpReceiver = new Thread(() => ReceiveFrames(server, MessagesPerOp)) { IsBackground = true, Name = "tcp receiver" };
        tcpReceiver.Start();
    }

    /// <summary>Closes the sockets and terminates both ActorSystems.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        client?.Dispose();
        tcpReceiver?.Join(TimeSpan.FromSeconds(10));
        server?.Dispose();
        Task.WaitAll(
            senderSystem?.Terminate() ?? Task.CompletedTask,
            receiverSystem?.Terminate() ?? Task.CompletedTask);
        senderSystem?.Dispose();
        receiverSystem?.Dispose();
    }

    /// <summary>The same bytes over a plain socket pair: length prefix and payload, read fully on the other side.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = MessagesPerOp)]
    public void RawTcp()
    {
        for (var m = 0; m < MessagesPerOp; m++)
        {
            for (var sent = 0; sent < frame.Length;)
            {
                sent += client!.Send(frame.AsSpan(sent));
            }
        }

        if (client!.Receive(ack) != 1)
        {
            throw new InvalidOperationException("the receiving socket closed");
        }
    }

    /// <summary><see cref="SliceData"/> messages told to an actor in the other ActorSystem.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerOp)]
    public Task AkkaRemote()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        driver.Tell(done);
        return done.Task;
    }

    private static Socket Connect(Socket socket)
    {
        // as hocon/edgetrain.conf sets for Akka.Remote (the kernel may cap them)
        socket.NoDelay = true;
        socket.SendBufferSize = 20 << 20;
        socket.ReceiveBufferSize = 20 << 20;
        return socket;
    }

    /// <summary>Reads whole frames into one buffer; after every <paramref name="batch"/> frames, sends one byte back.</summary>
    private static void ReceiveFrames(Socket socket, int batch)
    {
        var prefix = new byte[sizeof(int)];
        var buffer = Array.Empty<byte>();
        try
        {
            for (var received = 1; ; received++)
            {
                if (!ReadFully(socket, prefix))
                {
                    return;
                }

                var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
                if (buffer.Length < length)
                {
                    buffer = new byte[length];
                }

                if (!ReadFully(socket, buffer.AsSpan(0, length)))
                {
                    return;
                }

                if (received % batch == 0)
                {
                    socket.Send([1]);
                }
            }
        }
        catch (SocketException)
        {
            // the benchmark closed the connection
        }
        catch (ObjectDisposedException)
        {
            // the benchmark closed the connection
        }
    }

    private static bool ReadFully(Socket socket, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var read = socket.Receive(buffer);
            if (read == 0)
            {
                return false;
            }

            buffer = buffer[read..];
        }

        return true;
    }
}
