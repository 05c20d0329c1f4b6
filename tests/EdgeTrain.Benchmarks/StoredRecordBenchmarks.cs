using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using BenchmarkDotNet.Attributes;
using EdgeTrain.Actors;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Security;
using static EdgeTrain.Actors.Parameters.ShardEvents;

namespace EdgeTrain.Benchmarks;

/// <summary>
/// What encryption at rest costs a shard's journal: the tensor payload serializer writing and reading
/// a stored record, an <see cref="UpdateApplied"/> with a raw 1 MiB payload (262,144 floats), plain
/// (format 2, CRC-32C) against encrypted (format 3, AES-256-GCM), beside a plain 1 MiB copy.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
[BenchmarkCategory("Serializer")]
public class StoredRecordBenchmarks
{
    private ActorSystem? system;
    private string folder = string.Empty;
    private SerializerWithStringManifest serializer = null!;
    private UpdateApplied record = null!;
    private byte[] bytes = [];
    private float[] values = [];
    private float[] copy = [];

    /// <summary>false: format 2 (no storage key); true: format 3 (a storage key configured).</summary>
    [Params(false, true)]
    public bool Encrypted { get; set; }

    /// <summary>Starts an actor system, with a storage key in a temporary folder when <see cref="Encrypted"/>, and writes the record once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var config = EdgeTrainConfig.ReferenceConfig;
        if (Encrypted)
        {
            folder = Path.Combine(Path.GetTempPath(), "edgetrain-bench-" + Guid.NewGuid().ToString("N"));
            var keyFile = Path.Combine(folder, "storage.key");
            StorageKey.CreateFile(keyFile);
            config = ConfigurationFactory.ParseString($"edgetrain.storage.key-file = \"{keyFile.Replace("\\", "/", StringComparison.Ordinal)}\"").WithFallback(config);
        }

        system = ActorSystem.Create("benchmarks", config);
        values = Slice.Random(5);
        copy = new float[Slice.Floats];
        record = new UpdateApplied("job-1:local:a1b2", 42, TensorCodecs.For(new CodecSpec(CodecKind.None)).Encode(values));
        serializer = (SerializerWithStringManifest)((ExtendedActorSystem)system).Serialization.FindSerializerFor(record);
        bytes = serializer.ToBinary(record);
        if (bytes[0] != (Encrypted ? 3 : 2))
        {
            throw new InvalidOperationException($"expected format {(Encrypted ? 3 : 2)}, the serializer wrote {bytes[0]}");
        }
    }

    /// <summary>Terminates the actor system and removes the key.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        system?.Terminate().Wait(TimeSpan.FromSeconds(10));
        system?.Dispose();
        if (folder.Length > 0 && Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The ceiling: copying the record's 1 MiB of floats.</summary>
    [Benchmark(Baseline = true)]
    public void MemoryCopy() => Slice.MemoryCopy(values, copy);

    /// <summary>Writes the record (what the journal stores).</summary>
    [Benchmark]
    public byte[] ToBinary() => serializer.ToBinary(record);

    /// <summary>Reads the record back (what a recovery replays).</summary>
    [Benchmark]
    public object FromBinary() => serializer.FromBinary(bytes, "UE");
}
