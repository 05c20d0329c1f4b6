using Akka.Actor;
using Akka.TestKit;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Actors.Training;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Tests;
using EdgeTrain.Training.Models;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Tests.Training;

/// <summary>
/// A language model job on the real trainer and evaluator: the trainer reads its era of the State of the Union
/// corpus and contributes updates of the whole model; the evaluator scores the slices in bits per character with a sample.
/// </summary>
public sealed class LanguageTrainerSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Job = "lm-1";
    private const int BatchSize = 8;

    private readonly TestProbe shards;
    private readonly TestProbe aggregators;
    private readonly TestProbe coordinator;

    public LanguageTrainerSpec()
        : base(EdgeTrainConfig.ReferenceConfig)
    {
        shards = CreateTestProbe("shards");
        aggregators = CreateTestProbe("aggregators");
        coordinator = CreateTestProbe("coordinator");
    }

    // a char-transformer of 1 layer, 2 heads, width 16, context 16: one slice
    private static JobSpec Spec(int localSteps, string? field = "year") => new(
        Job,
        new ModelSpec(ModelKind.CharTransformer, [], [], 0) { Transformer = new TransformerSpec(1, 2, 16, 16) },
        new DataSpec(DataSpec.TextJsonl, RepoPaths.Sotu, PartitioningKind.ByField, 0) { Field = field },
        new OptimizerSpec(OptimizerKind.AdamW, 0.01, 0, 0.01),
        BatchSize: BatchSize,
        MaxEpochs: 1,
        TargetAccuracy: 1,
        TimeLimit: TimeSpan.FromMinutes(1),
        SliceFloats: 262_144,
        Seed: 1,
        LocalSteps: localSteps)
    {
        TargetLoss = 2.6,
        EvaluateEvery = 10,
    };

    private static float[] Initial(JobSpec spec) => ModelLayout.Of(spec.Model).InitialValues(spec.Seed);

    [Theory]
    [InlineData(1, "year")]
    [InlineData(4, "party")]
    public void A_trainer_learns_from_its_partition_and_contributes_an_update_of_the_whole_model(int localSteps, string field)
    {
        var spec = Spec(localSteps, field);
        var initial = Initial(spec);
        var start = new StartTraining(Job, spec, [1], 3, "local", [initial.Length], coordinator.Ref);
        var trainer = Sys.ActorOf(TrainerActor.Props(start, shards.Ref, aggregators.Ref, EdgeTrainSettings.Create(Sys.Settings.Config), "node-1"));

        Assert.Equal(new PullSlice(Job, 0, -1), shards.ExpectMsg<PullSlice>(TimeSpan.FromSeconds(60)));
        trainer.Tell(new SliceData(Job, 0, 5, initial), shards.Ref);

        var contribution = aggregators.ExpectMsg<Contribution>(TimeSpan.FromSeconds(60));
        Assert.Equal(localSteps * BatchSize, contribution.Weight);
        Assert.Equal(5, contribution.BaseVersion);
        Assert.True(TensorCodecs.TryDecode(contribution.Payload, initial.Length, "test", out var update, out var error), error);
        Assert.All(update, v => Assert.True(float.IsFinite(v)));
        // the gradient (one step) or θ_start − θ_end (several) touches every part of the model: embeddings to head
        Assert.True(update.Count(v => v != 0) > initial.Length / 2, $"{update.Count(v => v != 0)} of {initial.Length} values changed");
        Assert.Equal(new PullSlice(Job, 0, 5), shards.ExpectMsg<PullSlice>(TimeSpan.FromSeconds(30)));

        trainer.Tell(new StopTraining(Job));
        var progress = coordinator.FishForMessage<TrainerProgress>(p => p.Contributions == 1, TimeSpan.FromSeconds(30));
        Assert.Equal(localSteps * BatchSize, progress.Samples);
        Assert.InRange(progress.Loss, 4.0, 6.0); // nats: a byte model at the start, ln 256 ≈ 5.5
    }

    [Fact]
    public void More_partitions_than_a_field_has_values_fail_the_trainer_with_the_reason()
    {
        var spec = Spec(1, "party");
        var start = new StartTraining(Job, spec, [0], 40, "local", [Initial(spec).Length], coordinator.Ref);
        Sys.ActorOf(TrainerActor.Props(start, shards.Ref, aggregators.Ref, EdgeTrainSettings.Create(Sys.Settings.Config), "node-1"));

        var failed = coordinator.FishForMessage<TrainerFailed>(_ => true, TimeSpan.FromSeconds(60));
        Assert.Contains("data.field", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("40 partitions by party", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_evaluator_scores_a_language_model_in_bits_per_character_with_a_sample_of_its_text()
    {
        var spec = Spec(1);
        var initial = Initial(spec);
        var evaluator = Sys.ActorOf(EvaluatorActor.Props(shards.Ref, TimeSpan.FromSeconds(30)));

        evaluator.Tell(new EvaluatorActor.Evaluate(Job, spec, [initial.Length], null) { Partitions = 3 }, TestActor);
        var pull = shards.ExpectMsg<PullSlice>(TimeSpan.FromSeconds(30));
        shards.Reply(new SliceData(Job, pull.Slice, 7, initial));

        var evaluated = ExpectMsg<EvaluatorActor.Evaluated>(TimeSpan.FromSeconds(60));
        Assert.Equal(Job, evaluated.JobId);
        Assert.Equal(7, evaluated.VersionSum);
        Assert.True(double.IsNaN(evaluated.Accuracy));
        // an untrained byte model: about 8 bits a byte, a little more a character (some characters take several bytes)
        Assert.InRange(evaluated.BitsPerCharacter, 7.0, 9.5);
        // and on each era's held-out text
        Assert.Equal(3, evaluated.PartitionBits.Length);
        Assert.All(evaluated.PartitionBits, b => Assert.InRange(b, 7.0, 9.5));
        Assert.False(string.IsNullOrEmpty(evaluated.Sample));
    }
}
