using EdgeTrain.Core.Optimizers;
using EdgeTrain.Core.Parameters;
using static EdgeTrain.Tests.FloatData;

namespace EdgeTrain.Core.Tests.Parameters;

public sealed class CheckpointFileSpec : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "edgetrain-ckpt-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static float[] Floats(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 20) - 10)).ToArray();
    }

    private static CheckpointContents Sample(string? label = "after epoch 3") => new(
        "mnist-mlp-1",
        7,
        new DateTime(2025, 3, 4, 5, 6, 7, 890, DateTimeKind.Utc),
        label,
        [
            new CheckpointSlice(0, 41, Floats(100, 1)),
            new CheckpointSlice(1, 0, [float.NaN, -0f, float.Epsilon, float.MaxValue, float.NegativeInfinity]),
            new CheckpointSlice(2, long.MaxValue, Floats(33, 2)),
        ]);

    private string Written(CheckpointContents contents)
    {
        var path = Path.Combine(folder, "jobs", "j", "checkpoints", "7.ckpt");
        CheckpointFile.Write(path, contents);
        return path;
    }

    [Fact]
    public void A_checkpoint_round_trips_bit_for_bit_through_its_file()
    {
        var written = Sample();

        var read = CheckpointFile.Read(Written(written));

        Assert.Equal((written.JobId, written.Id, written.TakenUtc, written.Label), (read.JobId, read.Id, read.TakenUtc, read.Label));
        Assert.Equal(written.Slices.Count, read.Slices.Count);
        for (var i = 0; i < written.Slices.Count; i++)
        {
            Assert.Equal((written.Slices[i].Index, written.Slices[i].Version), (read.Slices[i].Index, read.Slices[i].Version));
            AssertBitwiseEqual(written.Slices[i].Values, read.Slices[i].Values);
        }

        Assert.Equal(written.ContentHash, read.ContentHash);
        Assert.Equal(138, read.TotalFloats);
        Assert.False(File.Exists(Path.Combine(folder, "jobs", "j", "checkpoints", "7.ckpt.tmp")));
    }

    [Fact]
    public void No_label_reads_back_as_null()
    {
        Assert.Null(CheckpointFile.Read(Written(Sample(label: null))).Label);
    }

    [Fact]
    public void The_file_is_the_documented_layout()
    {
        var bytes = CheckpointFile.ToBytes(Sample(label: ""));

        Assert.Equal("ETCK"u8.ToArray(), bytes[..4]);
        Assert.Equal(CheckpointFile.FormatVersion, bytes[4]);
        var header = 4 + 1 + (4 + 11) + 8 + 8 + 4 + 4;
        var slices = (3 * 16) + (138 * 4);
        Assert.Equal(header + slices + 4, bytes.Length);
        Assert.Equal(EdgeTrain.Core.Integrity.Crc32C.Compute(bytes.AsSpan(0, bytes.Length - 4)), BitConverter.ToUInt32(bytes, bytes.Length - 4));
    }

    [Fact]
    public void Flatten_puts_the_slices_one_after_the_other()
    {
        var contents = Sample();

        var flat = contents.Flatten();

        AssertBitwiseEqual([.. contents.Slices.SelectMany(s => s.Values)], flat);
    }

    [Fact]
    public void The_content_hash_changes_with_any_value_or_version()
    {
        var hash = Sample().ContentHash;
        var changed = Sample();
        changed.Slices[2].Values[5] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(changed.Slices[2].Values[5]) ^ 1);
        var later = Sample() with { Slices = [.. Sample().Slices.Select(s => s.Index == 1 ? s with { Version = 1 } : s)] };

        Assert.Equal(hash, Sample().ContentHash);
        Assert.NotEqual(hash, changed.ContentHash);
        Assert.NotEqual(hash, later.ContentHash);
    }

    [Fact]
    public void Every_flipped_byte_is_detected_with_an_error_naming_the_file()
    {
        var path = Written(Sample());
        var good = File.ReadAllBytes(path);

        for (var i = 0; i < good.Length; i++)
        {
            var damaged = good.ToArray();
            damaged[i] ^= 0x10;
            File.WriteAllBytes(path, damaged);

            var e = Assert.Throws<InvalidInputException>(() => CheckpointFile.Read(path));

            Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
            Assert.Equal(path, e.Source);
            Assert.True(e.Key is "checksum" or "magic", $"byte {i}: {e.Message}");
        }
    }

    [Fact]
    public void A_damaged_value_says_the_checksum_does_not_match()
    {
        var path = Written(Sample());
        var bytes = File.ReadAllBytes(path);
        bytes[200] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidInputException>(() => CheckpointFile.Read(path));

        Assert.Contains("the file is damaged: CRC-32C stored", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_truncation_is_refused()
    {
        var bytes = CheckpointFile.ToBytes(Sample());

        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<InvalidInputException>(() => CheckpointFile.FromBytes(bytes.AsSpan(0, length), "x.ckpt"));
        }
    }

    [Fact]
    public void A_file_that_is_not_a_checkpoint_or_is_missing_is_refused_by_name()
    {
        var other = Path.Combine(folder, "model.bin");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(other, [1, 2, 3, 4, 5, 6, 7, 8, 9]);

        Assert.Contains("not an EdgeTrain checkpoint file", Assert.Throws<InvalidInputException>(() => CheckpointFile.Read(other)).Message, StringComparison.Ordinal);
        var missing = Path.Combine(folder, "none.ckpt");
        Assert.Equal($"{missing}: checkpoint file not found", Assert.Throws<InvalidInputException>(() => CheckpointFile.Read(missing)).Message);
    }

    [Theory]
    [InlineData(ShardOptimizerKind.Nesterov)]
    [InlineData(ShardOptimizerKind.Adam)]
    public void A_restored_slice_holds_the_values_a_new_version_and_a_fresh_optimizer_state(ShardOptimizerKind kind)
    {
        var spec = new ShardOptimizerSpec(kind, LearningRate: 0.01f, Momentum: 0.9f);
        var saved = Floats(50, 3);
        var state = new SliceState(saved.ToArray(), spec);
        state.Apply("agg", 1, Floats(50, 4));
        state.Apply("agg", 2, Floats(50, 5));

        var version = state.Restore(saved);

        Assert.Equal(3, version);
        AssertBitwiseEqual(saved, state.Values);
        Assert.Equal(0, state.OptimizerState.Steps);
        Assert.All(state.OptimizerState.First, v => Assert.Equal(0f, v));
        Assert.Equal(UpdateVerdictKind.Duplicate, state.Check("agg", 2, Floats(50, 5)).Kind);

        // the next update goes exactly as it would from a fresh slice holding those values
        var fresh = new SliceState(saved.ToArray(), spec);
        fresh.Apply("agg", 3, Floats(50, 6));
        state.Apply("agg", 3, Floats(50, 6));
        AssertBitwiseEqual(fresh.Values, state.Values);
    }
}
