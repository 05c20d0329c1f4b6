using EdgeTrain.Actors.Configuration;
using EdgeTrain.Actors.Split;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Tests;
using EdgeTrain.Training.Models;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;
using static EdgeTrain.Actors.Split.SplitProtocol;

namespace EdgeTrain.Actors.Tests.Split;

/// <summary>
/// The split-server entity against probes for the coordinator, the shards and a data node: it learns its job from the
/// coordinator, pulls only the server's slices, answers steps with the activations' gradient, refuses what does not fit
/// with the reason, and every local-steps steps sends its update straight to its slices' shards and pulls them again
/// before it takes the next step.
/// </summary>
public sealed class SplitServerActorSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Job = "split-2";
    private const int Rows = 8;

    public SplitServerActorSpec()
        : base(EdgeTrainConfig.ReferenceConfig)
    {
    }

    [Fact]
    public void The_split_server_trains_its_layers_on_activations_and_updates_its_own_slices()
    {
        var model = new ModelSpec(ModelKind.Mlp, [16, 8], [], 0) { Split = new SplitSpec("fc1", SplitLabels.Server, new CodecSpec(CodecKind.Fp16)) };
        var spec = new JobSpec(Job, model, new DataSpec("mnist", RepoPaths.Mnist, PartitioningKind.Iid, 2), new OptimizerSpec(OptimizerKind.AdamW, 0.01, 0, 0),
            BatchSize: Rows, MaxEpochs: 1, TargetAccuracy: 0.9, TimeLimit: TimeSpan.FromMinutes(1), SliceFloats: 262_144, Seed: 1, LocalSteps: 2);
        var layout = SplitLayout.Of(model);
        var lengths = layout.SliceLengths(spec.SliceFloats);
        var serverSlice = Assert.Single(layout.ServerSlices(spec.SliceFloats));
        var initial = ModelLayout.Of(model).InitialSlices(1, spec.SliceFloats)[serverSlice];
        var shards = CreateTestProbe("shards");
        var coordinator = CreateTestProbe("coordinator");
        var node = CreateTestProbe("data-node");
        var settings = EdgeTrainSettings.Create(Sys.Settings.Config);
        var server = Sys.ActorOf(SplitServerActor.Props(Job, shards.Ref, coordinator.Ref, settings));

        // before it knows its job, a step is "not ready"
        Assert.Equal(new DescribeSplitJob(Job), coordinator.ExpectMsg<DescribeSplitJob>());
        server.Tell(Forward(1, [.. Enumerable.Repeat(0.5f, Rows * 16)]), node.Ref);
        Assert.Equal(1, node.ExpectMsg<SplitNotReady>().Step);
        coordinator.Reply(new SplitJobDescribed(Job, spec, lengths));

        // it pulls its own slice only
        Assert.Equal(new PullSlice(Job, serverSlice, -1), shards.ExpectMsg<PullSlice>(TimeSpan.FromSeconds(30)));
        shards.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        server.Tell(new SliceData(Job, serverSlice, 0, initial), shards.Ref);

        // activations that are not finite, or not the cut's shape, are refused with the reason; nothing is trained
        var poisoned = Forward(2, [.. Enumerable.Repeat(1f, Rows * 16)], codec: CodecKind.None);
        BitConverter.TryWriteBytes(poisoned.Activations.AsSpan(^4), float.NaN); // the codecs encode finite values only: forged
        server.Tell(poisoned, node.Ref);
        var refused = node.ExpectMsg<SplitRefused>(TimeSpan.FromSeconds(10)).Reason;
        Assert.Contains("value 127 is NaN", refused, StringComparison.Ordinal);
        server.Tell(Forward(3, new float[Rows * 15]), node.Ref);
        Assert.Contains($"{Rows * 16}", node.ExpectMsg<SplitRefused>().Reason, StringComparison.Ordinal);

        // two steps: each answered with the activations' gradient, then the update goes to the slice's shard
        var random = new Random(3);
        for (var step = 4; step <= 5; step++)
        {
            server.Tell(Forward(step, [.. Enumerable.Range(0, Rows * 16).Select(_ => random.NextSingle())]), node.Ref);
            var gradient = node.ExpectMsg<SplitGradient>(TimeSpan.FromSeconds(10));
            Assert.Equal(step, gradient.Step);
            Assert.True(float.IsFinite(gradient.Loss));
            Assert.True(TensorCodecs.TryDecode(gradient.Gradient, Rows * 16, "test", out var values, out _));
            Assert.Contains(values, v => v != 0);
        }

        var update = shards.ExpectMsg<MergedUpdate>(TimeSpan.FromSeconds(10));
        Assert.Equal(serverSlice, update.Slice);
        Assert.Equal(1, update.Sequence);
        Assert.True(TensorCodecs.TryDecode(update.Payload, initial.Length, "test", out var delta, out _));
        Assert.Contains(delta, v => v != 0);

        // a step while the update is on its way waits: it is taken once the slice is pulled again
        server.Tell(Forward(6, new float[Rows * 16]), node.Ref);
        node.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        server.Tell(new UpdateAck(Job, serverSlice, update.AggregatorId, 1, 1), shards.Ref);
        // reported as its slices' aggregator: the job's updates and bytes count it, the lost-update audit checks it
        var progress = coordinator.ExpectMsg<AggregatorProgress>(TimeSpan.FromSeconds(10));
        Assert.Equal((SplitServerActor.ReportRegion, update.AggregatorId, 1L, 1L, (long)update.Payload.Length), (progress.Region, progress.AggregatorId, progress.MergedSent, progress.Acknowledged, progress.BytesSent));
        Assert.Equal(lengths.Select((_, slice) => slice == serverSlice ? 1L : 0L), progress.AckedContiguous);
        Assert.Equal(new PullSlice(Job, serverSlice, 0), shards.ExpectMsg<PullSlice>(TimeSpan.FromSeconds(10)));
        server.Tell(new SliceData(Job, serverSlice, 1, initial), shards.Ref);
        Assert.Equal(6, node.ExpectMsg<SplitGradient>(TimeSpan.FromSeconds(10)).Step);
    }

    private static SplitForward Forward(long step, float[] activations, CodecKind codec = CodecKind.Fp16) =>
        new(Job, step, Rows, TensorCodecs.For(new CodecSpec(codec)).Encode(activations), [.. Enumerable.Range(0, Rows).Select(i => (byte)(i % 10))]);
}
