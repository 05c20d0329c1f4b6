using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Optimizers;
using EdgeTrain.Tests;

namespace EdgeTrain.Actors.Tests.Jobs;

public sealed class JobSpecReaderSpec
{
    private const string Minimal = TinyJobFile.Minimal;

    private static JobSpec Parse(string hocon) => JobSpecReader.Parse(hocon, "jobs/tiny.conf", "/base");

    private static InvalidInputException Refused(string hocon) => Assert.Throws<InvalidInputException>(() => Parse(hocon));

    private static string Replace(string line, string with) => Minimal.Replace(line, with, StringComparison.Ordinal);

    [Theory]
    [InlineData("mnist-mlp.conf", ModelKind.Mlp, 0.95)]
    [InlineData("mnist-cnn.conf", ModelKind.Cnn, 0.97)]
    [InlineData("mnist-mlp-local.conf", ModelKind.Mlp, 0.95)]
    [InlineData("mnist-mlp-diloco.conf", ModelKind.Mlp, 0.95)]
    [InlineData("mnist-mlp-diloco-topk.conf", ModelKind.Mlp, 0.95)]
    public void The_shipped_job_files_validate(string file, ModelKind model, double target)
    {
        var spec = JobSpecReader.Load(RepoPaths.Of("hocon", "jobs", file));

        Assert.Equal(model, spec.Model.Kind);
        Assert.Equal(target, spec.TargetAccuracy);
        Assert.Equal(RepoPaths.Mnist, spec.Data.Path);
        Assert.True(Directory.Exists(spec.Data.Path));
    }

    [Fact]
    public void Optional_keys_take_the_reference_defaults()
    {
        var spec = Parse(Minimal);

        Assert.Equal("tiny", spec.Name);
        Assert.Equal([256], spec.Model.Hidden);
        Assert.Equal(new OptimizerSpec(OptimizerKind.Sgd, 0.05, 0, 0), spec.Optimizer);
        Assert.Equal(new DataSpec("mnist", "/base/data/mnist", PartitioningKind.Iid, 2), spec.Data);
        Assert.Equal(20, spec.MaxEpochs);
        Assert.Equal(TimeSpan.FromMinutes(30), spec.TimeLimit);
        Assert.Equal(262_144, spec.SliceFloats);
        Assert.Equal(1, spec.Seed);
    }

    [Fact]
    public void A_cnn_takes_its_own_defaults()
    {
        var spec = Parse(Replace("model.type = mlp", "model.type = cnn"));

        Assert.Equal(new[] { 32, 64 }, spec.Model.ConvChannels);
        Assert.Equal([128], spec.Model.Hidden);
        Assert.Equal(0.25, spec.Model.Dropout);
    }

    [Fact]
    public void Every_key_can_be_set()
    {
        var spec = Parse("""
            job {
              name = full_1
              model { type = cnn, conv-channels = [8, 16], hidden = [32, 16], dropout = 0.1 }
              data { dataset = mnist, path = "/data/m", partitioning = non-iid-label, labels-per-partition = 3 }
              optimizer { type = sgd, learning-rate = 0.1, momentum = 0.5, weight-decay = 0.0001 }
              batch-size = 8
              max-epochs = 3
              target-accuracy = 1
              time-limit = 90s
              slice-floats = 1000
              seed = 42
            }
            """);

        Assert.Equal(new[] { 8, 16 }, spec.Model.ConvChannels);
        Assert.Equal([32, 16], spec.Model.Hidden);
        Assert.Equal(new DataSpec("mnist", "/data/m", PartitioningKind.NonIidLabel, 3), spec.Data);
        Assert.Equal(new OptimizerSpec(OptimizerKind.Sgd, 0.1, 0.5, 0.0001), spec.Optimizer);
        Assert.Equal(TimeSpan.FromSeconds(90), spec.TimeLimit);
        Assert.Equal((8, 3, 1.0, 1000, 42), (spec.BatchSize, spec.MaxEpochs, spec.TargetAccuracy, spec.SliceFloats, spec.Seed));
    }

    [Theory]
    [InlineData("name = tiny", "job.name")]
    [InlineData("model.type = mlp", "job.model.type")]
    [InlineData("data.path = \"data/mnist\"", "job.data.path")]
    [InlineData("batch-size = 32", "job.batch-size")]
    [InlineData("target-accuracy = 0.9", "job.target-accuracy")]
    public void A_missing_required_key_is_named(string line, string key)
    {
        var e = Refused(Replace(line, ""));

        Assert.Equal("jobs/tiny.conf", e.Source);
        Assert.Equal(key, e.Key);
        Assert.StartsWith($"jobs/tiny.conf: {key}: missing; expected", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_model_type_lists_the_known_ones()
    {
        var e = Refused(Replace("model.type = mlp", "model.type = transformer"));

        Assert.Equal("job.model.type", e.Key);
        Assert.Contains("expected one of mlp, cnn, char-transformer, found 'transformer'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("batch-size = 32", "batch-size = 0", "job.batch-size")]
    [InlineData("batch-size = 32", "batch-size = 2.5", "job.batch-size")]
    [InlineData("batch-size = 32", "batch-size = many", "job.batch-size")]
    [InlineData("target-accuracy = 0.9", "target-accuracy = 1.5", "job.target-accuracy")]
    [InlineData("target-accuracy = 0.9", "target-accuracy = 0", "job.target-accuracy")]
    [InlineData("learning-rate = 0.05", "learning-rate = -1", "job.optimizer.learning-rate")]
    [InlineData("learning-rate = 0.05", "learning-rate = NaN", "job.optimizer.learning-rate")]
    [InlineData("name = tiny", "name = \"two words\"", "job.name")]
    [InlineData("batch-size = 32", "batch-size = 32\n time-limit = soon", "job.time-limit")]
    [InlineData("batch-size = 32", "batch-size = 32\n slice-floats = 99999999", "job.slice-floats")]
    [InlineData("batch-size = 32", "batch-size = 32\n data.partitioning = random", "job.data.partitioning")]
    [InlineData("batch-size = 32", "batch-size = 32\n model.hidden = [0]", "job.model.hidden")]
    [InlineData("batch-size = 32", "batch-size = 32\n model.hidden = wide", "job.model.hidden")]
    [InlineData("model.type = mlp", "model { type = cnn, conv-channels = [8] }", "job.model.conv-channels")]
    [InlineData("model.type = mlp", "model { type = mlp, dropout = 0.5 }", "job.model.dropout")]
    [InlineData("type = sgd", "type = adam, momentum = 0.9", "job.optimizer.momentum")]
    public void A_bad_value_names_its_key(string line, string with, string key)
    {
        var e = Refused(Replace(line, with));

        Assert.Equal(key, e.Key);
        Assert.Contains("expected", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_is_refused_rather_than_ignored()
    {
        var e = Refused(Replace("batch-size = 32", "batch-size = 32\n optimizer.learning_rate = 0.1"));

        Assert.Equal("job.optimizer.learning_rate", e.Key);
        Assert.Contains("unknown key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_without_a_job_block_or_that_is_not_hocon_is_refused()
    {
        Assert.Equal("job", Refused("name = x").Key);
        Assert.Contains("not valid HOCON", Refused("job { name = \"unterminated }").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("job {\n name = \"open\n}", "line 2", "quoted string is never closed")]
    [InlineData("job {\n model.hidden = [1, 2 }\n}", "line 2", "'}' cannot close the '[' opened on line 2")]
    [InlineData("job {\n name = x\n", "line 1", "'{' is never closed")]
    [InlineData("job { name = x } }", "line 1", "'}' closes nothing")]
    [InlineData("job { a = \"\"\"\n long", "line 1", "never closed")]
    public void Unbalanced_brackets_and_open_strings_are_named_by_line(string hocon, string key, string problem)
    {
        var e = Refused(hocon);

        Assert.Equal(key, e.Key);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Brackets_inside_strings_and_comments_do_not_count()
    {
        var spec = Parse(Minimal.Replace("name = tiny", "name = \"tiny\" # a { comment [\n // another ]\n", StringComparison.Ordinal));

        Assert.Equal("tiny", spec.Name);
    }

    [Fact]
    public void A_missing_job_file_is_named()
    {
        var e = Assert.Throws<InvalidInputException>(() => JobSpecReader.Load("no/such/job.conf"));

        Assert.Equal("no/such/job.conf: job file not found", e.Message);
    }

    [Fact]
    public void Adamw_is_the_inner_optimizer_of_local_steps_only()
    {
        var refused = Refused(Replace("type = sgd", "type = adamw"));
        var spec = Parse(Replace("type = sgd", "type = adamw").Replace("batch-size = 32", "batch-size = 32\n local-steps = 8\n outer-optimizer { type = nesterov, learning-rate = 0.7 }", StringComparison.Ordinal));

        Assert.Equal("job.optimizer.type", refused.Key);
        Assert.Contains("needs local-steps > 1", refused.Message, StringComparison.Ordinal);
        Assert.Equal(OptimizerKind.AdamW, spec.Optimizer.Kind);
        Assert.Equal(8, spec.LocalSteps);
        Assert.Equal(new ShardOptimizerSpec(ShardOptimizerKind.Nesterov, 0.7f, 0.9f), spec.ShardOptimizer);
    }

    [Fact]
    public void The_wire_is_dense_and_asynchronous_unless_the_job_says_otherwise()
    {
        var spec = Parse(Minimal);

        Assert.Equal(CommunicationSpec.Dense with { }, spec.Wire with { });
        Assert.Equal(new CodecSpec(CodecKind.None), spec.Wire.TrainerToAggregator);
        Assert.True(spec.Wire.ErrorFeedback);
        Assert.Equal(CommunicationSpec.NodeDefault, spec.Wire.MergeCount);
        Assert.Null(spec.Wire.MergeInterval);
        Assert.False(spec.Wire.WaitForMerge);
    }

    [Fact]
    public void Each_direction_takes_its_own_codec_and_the_merge_rule_is_read()
    {
        var spec = Parse(Replace("batch-size = 32", """
            batch-size = 32
            codec {
              trainer-to-aggregator { type = topk-int8, top-k = 0.02 }
              aggregator-to-shard { type = int8, block-size = 64 }
              error-feedback = off
            }
            aggregation { merge-count = trainers, merge-interval = 3s, wait-for-merge = on }
            """));

        Assert.Equal(new CodecSpec(CodecKind.TopKInt8, TopKFraction: 0.02), spec.Wire.TrainerToAggregator);
        Assert.Equal(new CodecSpec(CodecKind.Int8, BlockSize: 64), spec.Wire.AggregatorToShard);
        Assert.False(spec.Wire.ErrorFeedback);
        Assert.Equal(CommunicationSpec.TrainersInRegion, spec.Wire.MergeCount);
        Assert.Equal(TimeSpan.FromSeconds(3), spec.Wire.MergeInterval);
        Assert.True(spec.Wire.WaitForMerge);
        Assert.Equal(7, Parse(Replace("batch-size = 32", "batch-size = 32\n aggregation.merge-count = 7")).Wire.MergeCount);
    }

    [Theory]
    [InlineData("codec.trainer-to-aggregator.type = zip", "job.codec.trainer-to-aggregator.type", "expected one of none, fp16, bf16, int8, topk, topk-int8")]
    [InlineData("codec.aggregator-to-shard { type = fp16, top-k = 0.1 }", "job.codec.aggregator-to-shard.top-k", "only with type = topk or topk-int8")]
    [InlineData("codec.trainer-to-aggregator { type = topk, block-size = 8 }", "job.codec.trainer-to-aggregator.block-size", "only with type = int8")]
    [InlineData("codec.trainer-to-aggregator { type = topk, top-k = 0 }", "job.codec.trainer-to-aggregator.top-k", "above 0")]
    [InlineData("codec.trainer-to-aggregator { type = topk, top-k = 1.5 }", "job.codec.trainer-to-aggregator.top-k", "found 1.5")]
    [InlineData("codec.error-feedback = maybe", "job.codec.error-feedback", "expected on or off")]
    [InlineData("aggregation.merge-count = some", "job.aggregation.merge-count", "whole number")]
    [InlineData("aggregation.merge-count = 0", "job.aggregation.merge-count", "from 1 to 10000")]
    [InlineData("aggregation.merge-interval = soon", "job.aggregation.merge-interval", "positive duration")]
    [InlineData("codec.trainer-to-aggregator.level = 3", "job.codec.trainer-to-aggregator.level", "unknown key")]
    public void A_bad_codec_or_merge_setting_names_its_key(string line, string key, string problem)
    {
        var refused = Refused(Replace("batch-size = 32", "batch-size = 32\n" + line));

        Assert.Equal(key, refused.Key);
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_local_time_budget_is_off_unless_the_job_sets_one()
    {
        Assert.Equal(TimeSpan.Zero, Parse(Minimal).LocalTimeBudget);
        Assert.Equal(TimeSpan.Zero, Parse(Replace("batch-size = 32", "batch-size = 32\n local-steps = 8")).LocalTimeBudget);
    }

    [Theory]
    [InlineData("local-time-budget = 500ms", 500)]
    [InlineData("local-time-budget = 2s", 2_000)]
    [InlineData("local-time-budget = off", 0)]
    [InlineData("local-time-budget = 0", 0)]
    [InlineData("local-time-budget = 0s", 0)]
    public void A_local_time_budget_is_a_duration_or_off(string line, int milliseconds)
    {
        var spec = Parse(Replace("batch-size = 32", "batch-size = 32\n local-steps = 8\n " + line));

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), spec.LocalTimeBudget);
        Assert.Equal(8, spec.LocalSteps);
    }

    [Theory]
    [InlineData("local-steps = 8\n local-time-budget = soon", "off or a positive duration")]
    [InlineData("local-steps = 8\n local-time-budget = -1s", "off or a positive duration")]
    [InlineData("local-steps = 8\n local-time-budget = [1s]", "off or a positive duration")]
    [InlineData("local-time-budget = 1s", "only with local-steps > 1")]
    [InlineData("local-steps = 1\n local-time-budget = 250ms", "only with local-steps > 1")]
    public void A_bad_local_time_budget_is_named(string lines, string problem)
    {
        var e = Refused(Replace("batch-size = 32", "batch-size = 32\n " + lines));

        Assert.Equal("job.local-time-budget", e.Key);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Off_is_allowed_with_one_local_step()
    {
        Assert.Equal(TimeSpan.Zero, Parse(Replace("batch-size = 32", "batch-size = 32\n local-time-budget = off")).LocalTimeBudget);
    }
}
