using BenchmarkDotNet.Attributes;
using EdgeTrain.Core.Aggregation;

namespace EdgeTrain.Benchmarks;

/// <summary>Weighted accumulation of a 1 MiB update (<see cref="SliceAccumulator.Add"/>) against a plain 1 MiB copy.</summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
[BenchmarkCategory("Merge")]
public class MergeBenchmarks
{
    private float[] update = [];
    private float[] copy = [];
    private SliceAccumulator accumulator = new(0);

    /// <summary>Makes the update and the accumulator.</summary>
    [GlobalSetup]
    public void Setup()
    {
        update = Slice.Random(1);
        copy = new float[Slice.Floats];
        accumulator = new SliceAccumulator(Slice.Floats);
    }

    /// <summary>The ceiling: copying the update's bytes.</summary>
    [Benchmark(Baseline = true)]
    public void MemoryCopy() => Slice.MemoryCopy(update, copy);

    /// <summary>sum += 0.5 × update.</summary>
    [Benchmark]
    public void Add() => accumulator.Add(update, 0.5);
}
