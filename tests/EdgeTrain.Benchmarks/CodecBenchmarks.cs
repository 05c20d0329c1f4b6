using BenchmarkDotNet.Attributes;
using EdgeTrain.Core.Codecs;

namespace EdgeTrain.Benchmarks;

/// <summary>Encode, decode and merge of a 1 MiB slice for every codec, against a plain 1 MiB copy.</summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
[BenchmarkCategory("Codec")]
public class CodecBenchmarks
{
    private const string Source = "benchmark";
    private float[] values = [];
    private float[] destination = [];
    private float[] accumulator = [];
    private byte[] payload = [];
    private ITensorCodec codec = TensorCodecs.For(new CodecSpec(CodecKind.None));

    /// <summary>The codec under test (TopK keeps the default 1%).</summary>
    [Params(CodecKind.None, CodecKind.Fp16, CodecKind.Bf16, CodecKind.Int8, CodecKind.TopK, CodecKind.TopKInt8)]
    public CodecKind Kind { get; set; }

    /// <summary>Makes the slice and its payload.</summary>
    [GlobalSetup]
    public void Setup()
    {
        codec = TensorCodecs.For(new CodecSpec(Kind));
        values = Slice.Random(2);
        destination = new float[Slice.Floats];
        accumulator = new float[Slice.Floats];
        payload = codec.Encode(values);
    }

    /// <summary>The ceiling: copying the slice's bytes.</summary>
    [Benchmark(Baseline = true)]
    public void MemoryCopy() => Slice.MemoryCopy(values, destination);

    /// <summary>Encodes the slice.</summary>
    [Benchmark]
    public byte[] Encode() => codec.Encode(values);

    /// <summary>Decodes the payload into a slice.</summary>
    [Benchmark]
    public void Decode() => codec.Decode(payload, destination, Source);

    /// <summary>Adds 0.5 × the decoded payload to an accumulator.</summary>
    [Benchmark]
    public void MergeInto() => codec.MergeInto(payload, accumulator, 0.5f, Source);
}
