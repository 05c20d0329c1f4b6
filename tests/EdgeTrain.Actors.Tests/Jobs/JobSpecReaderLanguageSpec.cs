using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Tests;

namespace EdgeTrain.Actors.Tests.Jobs;

/// <summary>A language model's job file: its sizes, its text and partitioning, its target loss, and what does not fit it.</summary>
public sealed class JobSpecReaderLanguageSpec
{
    private const string Language = """
        job {
          name = lm
          model { type = char-transformer }
          data { dataset = text-jsonl, path = "data/sotu", partitioning = by-field }
          optimizer { type = adamw, learning-rate = 0.002 }
          batch-size = 32
          local-steps = 8
          target-loss = 2.5
        }
        """;

    [Fact]
    public void The_shipped_language_job_reads_with_nanogpts_cpu_size()
    {
        var spec = JobSpecReader.Load(RepoPaths.Of("hocon", "jobs", "sotu-char-local.conf"));

        Assert.Equal(ModelKind.CharTransformer, spec.Model.Kind);
        Assert.Equal(new TransformerSpec(4, 4, 128, 64), spec.Model.Transformer);
        Assert.Equal((DataSpec.TextJsonl, PartitioningKind.ByField, "year"), (spec.Data.Dataset, spec.Data.Partitioning, spec.Data.Field));
        Assert.Equal(2.6, spec.TargetLoss);
        Assert.Equal(200, spec.EvaluateEvery);
        Assert.True(Directory.Exists(spec.Data.Path));
    }

    [Fact]
    public void Defaults_are_the_cpu_size_and_eras_by_year()
    {
        var spec = TinyJobFile.Parse(Language, "");

        Assert.Equal(new TransformerSpec(), spec.Model.Transformer);
        Assert.Equal("year", spec.Data.Field);
        Assert.Equal("party", TinyJobFile.Parse(Language, "data.field = party").Data.Field);
    }

    [Theory]
    [InlineData("target-accuracy = 0.9", "job.target-accuracy", "expected target-loss (validation bits per character)")]
    [InlineData("model.width = 30", "job.model.width", "expected a positive multiple of heads (4)")]
    [InlineData("model.hidden = [64]", "job.model.hidden", "sized by layers, heads, width and context")]
    [InlineData("data.field = name", "job.data.field", "expected one of year, party")]
    [InlineData("memory.recompute = on", "job.memory.recompute", "not yet cut into recomputed segments")]
    public void What_does_not_fit_a_language_model_is_refused_with_the_reason(string extra, string key, string problem)
    {
        var refused = TinyJobFile.Refused(Language, extra);

        Assert.Equal(key, refused.Key);
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_and_images_do_not_mix()
    {
        var textForMlp = TinyJobFile.Refused(TinyJobFile.Minimal, "data { dataset = text-jsonl, partitioning = by-field }");
        var byFieldImages = TinyJobFile.Refused(TinyJobFile.Minimal, "data.partitioning = by-field");
        var layersForMlp = TinyJobFile.Refused(TinyJobFile.Minimal, "model.layers = 2");

        Assert.Contains("expected mnist with model.type = mlp, found text-jsonl", textForMlp.Message, StringComparison.Ordinal);
        Assert.Contains("by-field partitions the documents of data.dataset = text-jsonl", byFieldImages.Message, StringComparison.Ordinal);
        Assert.Contains("expected only with model.type = char-transformer", layersForMlp.Message, StringComparison.Ordinal);
        Assert.Contains("expected by-field (data.field = year: eras of equal size, or party) or iid (shuffled documents) with data.dataset = text-jsonl",
            TinyJobFile.Refused(Language.Replace("partitioning = by-field", "partitioning = non-iid-label", StringComparison.Ordinal), "").Message, StringComparison.Ordinal);
        Assert.Contains("expected only with data.partitioning = by-field",
            TinyJobFile.Refused(Language.Replace("partitioning = by-field", "partitioning = iid, field = party", StringComparison.Ordinal), "").Message, StringComparison.Ordinal);
    }
}
