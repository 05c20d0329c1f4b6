using Akka.Actor;
using Akka.Serialization;
using BenchmarkDotNet.Attributes;
using EdgeTrain.Actors;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Benchmarks;

/// <summary>
/// The tensor payload serializer's round trip (ToBinary then FromBinary) of a
/// <see cref="SliceData"/> with 1 MiB of floats, against a plain 1 MiB copy.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
[BenchmarkCategory("Serializer")]
public class SerializerBenchmarks
{
    private ActorSystem? system;
    private SerializerWithStringManifest serializer = null!;
    private SliceData message = null!;
    private string manifest = string.Empty;
    private byte[] bytes = [];
    private float[] copy = [];

    /// <summary>Starts an actor system with the reference configuration and finds the serializer.</summary>
    [GlobalSetup]
    public void Setup()
    {
        system = ActorSystem.Create("benchmarks", EdgeTrainConfig.ReferenceConfig);
        message = new SliceData("job-1", 3, 42, Slice.Random(3));
        serializer = (SerializerWithStringManifest)((ExtendedActorSystem)system).Serialization.FindSerializerFor(message);
        manifest = serializer.Manifest(message);
        bytes = serializer.ToBinary(message);
        copy = new float[Slice.Floats];
    }

    /// <summary>Terminates the actor system.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        system?.Terminate().Wait(TimeSpan.FromSeconds(10));
        system?.Dispose();
    }

    /// <summary>The ceiling: copying the slice's bytes.</summary>
    [Benchmark(Baseline = true)]
    public void MemoryCopy() => Slice.MemoryCopy(message.Values, copy);

    /// <summary>Serializes the message.</summary>
    [Benchmark]
    public byte[] ToBinary() => serializer.ToBinary(message);

    /// <summary>Deserializes the message's bytes.</summary>
    [Benchmark]
    public object FromBinary() => serializer.FromBinary(bytes, manifest);

    /// <summary>ToBinary then FromBinary.</summary>
    [Benchmark]
    public object RoundTrip() => serializer.FromBinary(serializer.ToBinary(message), manifest);
}
