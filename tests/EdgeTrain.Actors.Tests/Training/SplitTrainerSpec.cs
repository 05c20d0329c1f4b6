using Akka.TestKit;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Training;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Tests;
using EdgeTrain.Training.Models;
using EdgeTrain.Training.Split;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static EdgeTrain.Actors.Split.SplitProtocol;

namespace EdgeTrain.Actors.Tests.Training;

/// <summary>
/// A split job's data node (the real trainer) against probes for its shards, aggregator, coordinator and split-server;
/// the test plays the split-server with the real server layers. Everything the data node sends is checked: pulls and
/// contributions of its own layers' slices only, and to the split-server only the cut's activations (rows × the cut's
/// width, encoded), the labels only when the loss is on the server, and in the U-shape the gradient of the server's
/// output — never an input image, and in the U-shape never a label.
/// </summary>
public sealed class SplitTrainerSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Job = "split-1";
    private const int BatchSize = 16;
    private const int LocalSteps = 3;

    private readonly TestProbe shards;
    private readonly TestProbe aggregators;
    private readonly TestProbe coordinator;
    private readonly TestProbe servers;

    public SplitTrainerSpec()
        : base(EdgeTrainConfig.ReferenceConfig)
    {
        shards = CreateTestProbe("shards");
        aggregators = CreateTestProbe("aggregators");
        coordinator = CreateTestProbe("coordinator");
        servers = CreateTestProbe("split-servers");
    }

    [Theory]
    [InlineData(SplitLabels.Server, CodecKind.Fp16)]
    [InlineData(SplitLabels.Client, CodecKind.None)]
    public void A_data_node_sends_only_cut_layer_activations_and_its_own_layers_updates(SplitLabels labels, CodecKind codec)
    {
        var model = new ModelSpec(ModelKind.Mlp, [64, 32], [], 0) { Split = new SplitSpec("fc1", labels, new CodecSpec(codec)) };
        var spec = new JobSpec(Job, model, new DataSpec("mnist", RepoPaths.Mnist, PartitioningKind.Iid, 2), new OptimizerSpec(OptimizerKind.AdamW, 0.001, 0, 0.01),
            BatchSize: BatchSize, MaxEpochs: 1, TargetAccuracy: 0.9, TimeLimit: TimeSpan.FromMinutes(1), SliceFloats: 262_144, Seed: 1, LocalSteps: LocalSteps);
        var layout = SplitLayout.Of(model);
        var lengths = layout.SliceLengths(spec.SliceFloats);
        var initial = ModelLayout.Of(model).InitialSlices(1, spec.SliceFloats);
        var clientSlices = layout.ClientSlices(spec.SliceFloats);
        var settings = EdgeTrainSettings.Create(Sys.Settings.Config);
        var trainer = Sys.ActorOf(TrainerActor.Props(new StartTraining(Job, spec, [0], 1, "local", lengths, coordinator.Ref), shards.Ref, aggregators.Ref, settings, "node-1", splitServers: servers.Ref));

        // it pulls its own layers' slices, never the server's
        var pulled = clientSlices.Select(_ => shards.ExpectMsg<PullSlice>(TimeSpan.FromSeconds(30))).ToList();
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(clientSlices, pulled.Select(p => p.Slice).Order());
        foreach (var pull in pulled)
        {
            trainer.Tell(new SliceData(Job, pull.Slice, 0, initial[pull.Slice]), shards.Ref);
        }

        // the test is the split-server, with the server's layers at their initial values
        using var server = new SplitServer(layout, TorchSharp.torch.CPU);
        new EdgeTrain.Training.Parameters.FlatParameterView(server.Module).CopyFrom(initial[layout.ServerSlices(spec.SliceFloats)[0]]);
        for (var step = 0; step < LocalSteps; step++)
        {
            var forward = servers.ExpectMsg<SplitForward>(TimeSpan.FromSeconds(30));
            Assert.Equal(BatchSize, forward.Rows);
            Assert.Equal((CodecKind)forward.Activations[0], codec);
            var activations = Decode(forward.Activations, BatchSize * layout.CutWidth); // the cut's width (64), not an image's (784)
            if (labels == SplitLabels.Server)
            {
                Assert.NotNull(forward.Labels);
                Assert.Equal(BatchSize, forward.Labels.Length);
                var (gradient, loss) = server.Step(activations, BatchSize, forward.Labels);
                servers.Reply(new SplitGradient(Job, forward.Step, TensorCodecs.For(new CodecSpec(codec)).Encode(gradient), loss));
                continue;
            }

            Assert.Null(forward.Labels); // the U-shape: labels never leave
            var hidden = server.Forward(activations, BatchSize);
            servers.Reply(new SplitHidden(Job, forward.Step, TensorCodecs.For(new CodecSpec(codec)).Encode(hidden)));
            var back = servers.ExpectMsg<SplitHiddenGradient>(TimeSpan.FromSeconds(30));
            Assert.Equal(forward.Step, back.Step);
            var hiddenGradient = Decode(back.Gradient, BatchSize * layout.TopWidth);
            servers.Reply(new SplitGradient(Job, forward.Step, TensorCodecs.For(new CodecSpec(codec)).Encode(server.Backward(hiddenGradient)), float.NaN));
        }

        // the round's contribution: its own layers' slices, moved by the local steps
        var contributions = clientSlices.Select(_ => aggregators.ExpectMsg<Contribution>(TimeSpan.FromSeconds(30))).ToList();
        Assert.Equal(clientSlices, contributions.Select(c => c.Slice).Order());
        Assert.All(contributions, c => Assert.Equal(LocalSteps * BatchSize, c.Weight));
        Assert.All(contributions, c => Assert.Contains(Decode(c.Payload, lengths[c.Slice]), v => v != 0));
        // then the next round's pulls, and nothing else went to the split-server or the aggregator
        Assert.Equal(clientSlices, clientSlices.Select(_ => shards.ExpectMsg<PullSlice>(TimeSpan.FromSeconds(30)).Slice).Order());
        servers.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        aggregators.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        foreach (var message in coordinator.ReceiveWhile<object>(TimeSpan.FromMilliseconds(100), m => m))
        {
            Assert.IsType<TrainerProgress>(message);
        }
    }

    [Fact]
    public void A_step_the_split_server_does_not_take_begins_again_on_the_next_batch()
    {
        var model = new ModelSpec(ModelKind.Mlp, [16, 8], [], 0) { Split = new SplitSpec("fc1", SplitLabels.Server, new CodecSpec(CodecKind.None)) };
        var spec = new JobSpec(Job, model, new DataSpec("mnist", RepoPaths.Mnist, PartitioningKind.Iid, 2), new OptimizerSpec(OptimizerKind.Adam, 0.001, 0, 0),
            BatchSize: BatchSize, MaxEpochs: 1, TargetAccuracy: 0.9, TimeLimit: TimeSpan.FromMinutes(1), SliceFloats: 262_144, Seed: 1);
        var lengths = SplitLayout.Of(model).SliceLengths(spec.SliceFloats);
        var settings = EdgeTrainSettings.Create(Sys.Settings.Config);
        var trainer = Sys.ActorOf(TrainerActor.Props(new StartTraining(Job, spec, [0], 1, "local", lengths, coordinator.Ref), shards.Ref, aggregators.Ref, settings, "node-1", splitServers: servers.Ref));
        var pull = shards.ExpectMsg<PullSlice>(TimeSpan.FromSeconds(30));
        trainer.Tell(new SliceData(Job, pull.Slice, 0, ModelLayout.Of(model).InitialSlices(1, spec.SliceFloats)[0]), shards.Ref);

        var first = servers.ExpectMsg<SplitForward>(TimeSpan.FromSeconds(30));
        servers.Reply(new SplitNotReady(Job, first.Step, "the split-server is starting"));
        var second = servers.ExpectMsg<SplitForward>(TimeSpan.FromSeconds(5));
        servers.Reply(new SplitRefused(Job, second.Step, "activations of step 2: NaN or ±Inf values"));
        var third = servers.ExpectMsg<SplitForward>(TimeSpan.FromSeconds(5));
        // a late answer to an abandoned step is ignored; the step under way's answer ends the round (one local step: a gradient)
        servers.Reply(new SplitGradient(Job, first.Step, TensorCodecs.For(new CodecSpec(CodecKind.None)).Encode(new float[BatchSize * 16]), 1f));
        servers.Reply(new SplitGradient(Job, third.Step, TensorCodecs.For(new CodecSpec(CodecKind.None)).Encode(Enumerable.Repeat(0.01f, BatchSize * 16).ToArray()), 1f));

        Assert.True(first.Step < second.Step && second.Step < third.Step);
        var contribution = aggregators.ExpectMsg<Contribution>(TimeSpan.FromSeconds(30));
        Assert.Equal(0, contribution.Slice);
        Assert.Equal(BatchSize, contribution.Weight);
    }

    private static float[] Decode(byte[] payload, int length)
    {
        Assert.True(TensorCodecs.TryDecode(payload, length, "test", out var values, out var problem), problem);
        return values;
    }
}
