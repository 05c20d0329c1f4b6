using Akka.Actor;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Actors.Serialization;
using EdgeTrain.Actors.Split;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Membership;
using EdgeTrain.Core.Optimizers;
using EdgeTrain.Core.Privacy.SecureAggregation;
using EdgeTrain.Core.Scheduling;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Aggregation.SecureAggregationProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Tests.Serialization;

public sealed class HyperionSerializerAdapterSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly JobSpec Spec = new(
        "mnist-cnn_2",
        new ModelSpec(ModelKind.Cnn, new[] { 128, 64 }, new[] { 32, 64 }, 0.25),
        new DataSpec("mnist", "/data/mnist-ünï", PartitioningKind.NonIidLabel, 2),
        new OptimizerSpec(OptimizerKind.Adam, 0.001, 0.9, 1e-4),
        BatchSize: 64,
        MaxEpochs: 20,
        TargetAccuracy: 0.97,
        TimeLimit: TimeSpan.FromMinutes(30),
        SliceFloats: 262_144,
        Seed: 42);

    private static readonly NodeCapabilities Capabilities = new(
        Cores: 8,
        MemoryBytes: 16L << 30,
        TorchAvailable: false,
        TorchError: "libtorch: GLIBCXX_3.4.32 not found",
        CudaAvailable: false,
        CudaDevices: 0,
        MatmulGflops: 123.5,
        FreeDiskBytes: 500L << 30,
        OperatingSystem: "Debian GNU/Linux 12 (bookworm)");

    public HyperionSerializerAdapterSpec()
        : base(EdgeTrainConfig.ReferenceConfig)
    {
    }

    /// <summary>Every message record without arrays or lists, so record equality compares them fully.</summary>
    private static readonly object[] Plain =
    [
        new SliceInitialized("job", 3, 17),
        new PullSlice("job", 3, -1),
        new SliceNotReady("job", 3),
        new UpdateAck("job", 3, "job:local", 9, 18),
        new UpdateRejected("job", 3, "job:local", 9, "value 2 is NaN; expected finite numbers"),
        new GetShardInfo("job", 3),
        new AggregatorConfigured("job", "local"),
        new ContributionRejected("job", "local", 3, "unknown slice"),
        new GetAggregatorStats("job", "local"),
        new AggregatorStats("job", "local", 100, 2, 50, 49, 1, 1L << 33, 1L << 32),
        new JobAccepted("job-🚀"),
        new JobRejected("job", "no trainer node"),
        new GetJobStatus("job"),
        new GetJobStatus(null),
        ListJobs.Instance,
        new JobUnknown("job"),
        new JobUnknown(null),
        new StopTraining("job"),
        new TrainerProgress("job", "akka.tcp://edgetrain@10.0.0.2:4053", "local", 60_000, 0.25, 400, 1L << 31, 12.5, 0.75),
        new NodeRegistered("akka.tcp://edgetrain@10.0.0.2:4053"),
        GetJobQueue.Instance,
        new SetJobPriority("job", -3, "edgetrain-cmd (127.0.0.1)"),
        new JobPrioritySet("job", 5, "job job: priority 0 -> 5"),
        new DrainNode("akka.tcp://edgetrain@10.0.0.2:4053", "ops"),
        new JobEnded("job", JobState.Completed, 0.96, "reached 96.00 %"),
        new JobPaused("job", new DateTime(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc), "ops"),
        new JobResumed("job", new DateTime(2026, 12, 3, 9, 1, 0, DateTimeKind.Utc), "ops"),
        new JobPriorityChanged("job", 7, new DateTime(2026, 12, 3, 9, 2, 0, DateTimeKind.Utc), "ops"),
        new NodeDrained("akka.tcp://edgetrain@10.0.0.2:4053", new DateTime(2026, 12, 3, 9, 3, 0, DateTimeKind.Utc), "ops"),
        new QuarantineNode("akka.tcp://edgetrain@10.0.0.2:4053", "sends sign-flipped updates", "ops"),
        new QuarantineNode("akka.tcp://edgetrain@10.0.0.2:4053", null, "ops"),
        new ReleaseNode("akka.tcp://edgetrain@10.0.0.2:4053", "ops"),
        new NodeQuarantineChanged("akka.tcp://edgetrain@10.0.0.2:4053", true, "quarantined"),
        new NodeCommandRefused("akka.tcp://edgetrain@10.0.0.2:4053", "not quarantined"),
        new ReputationObserved("akka.tcp://edgetrain@10.0.0.2:4053", new Core.Reputation.ReputationDelta(Used: 3, LeftOut: 1, Refused: 2)),
        new NodeQuarantined("akka.tcp://edgetrain@10.0.0.2:4053", new DateTime(2026, 12, 3, 9, 4, 0, DateTimeKind.Utc), "score 0.087 below 0.3", "coordinator"),
        new NodeReleased("akka.tcp://edgetrain@10.0.0.2:4053", new DateTime(2026, 12, 3, 9, 5, 0, DateTimeKind.Utc), "ops"),
    ];

    public static TheoryData<object> PlainMessages => new(Plain);

    /// <summary>Every message record of the protocols that goes through Hyperion.</summary>
    private IEnumerable<object> AllHyperionMessages()
    {
        foreach (var message in Plain)
        {
            yield return message;
        }

        yield return new InitSlice("job", 0, [1f, 2f], new ShardOptimizerSpec(ShardOptimizerKind.Adam, 1e-3f), 50);
        yield return new ConfigureAggregator("job", "local", [262_144, 100], 2, TimeSpan.FromMilliseconds(200));
        yield return new SubmitJob(Spec);
        yield return new JobList(new[] { Status() });
        yield return new StartTraining("job", Spec, [1], 4, "local", [262_144, 100], TestActor);
        yield return new RegisterNode("akka.tcp://edgetrain@10.0.0.2:4053", "local", ["trainer"], Capabilities, TestActor);
        yield return Status();
        yield return new JobSubmitted("job-1", Spec, [262_144, 100], DateTime.UtcNow);
        yield return new CheckpointTaken("job-1", 2, DateTime.UtcNow, "label", [4, 5], [262_144, 100], 0xdeadbeef);
        yield return new JobQueue([new QueueEntry(1, "job-1", 3, JobState.Queued, 0, 2, 4, DateTime.UtcNow, "needs 2 trainer(s)")], 4, 0);
        yield return new NodeDraining("akka.tcp://edgetrain@10.0.0.2:4053", ["job-1"], "it finishes job-1");
        yield return new ConfigureAggregator("job", "local", [262_144, 100], 2, TimeSpan.FromMilliseconds(200), Quarantined: ["akka.tcp://edgetrain@10.0.0.3:4053"]);
        yield return new NodeList([new NodeInfo("akka.tcp://edgetrain@10.0.0.2:4053", "local", ["trainer"], Capabilities) { Reputation = 0.087, Quarantined = true, QuarantinedUtc = DateTime.UtcNow }]);
    }

    [Fact]
    public void A_status_the_coordinator_builds_from_its_state_round_trips()
    {
        var state = new CoordinatorState();
        var submitted = new DateTime(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc);
        state.Apply(new JobSubmitted("job-1", Spec with { Priority = 3, MinTrainers = 2 }, [262_144, 100], submitted), submitted);
        state.Register(new TrainerNode("node-1", "local", true, 1, 1, true, true));
        state.Register(new TrainerNode("node-2", "local", true, 1, 1, true, true));
        foreach (var decision in Scheduler.Decide(state, submitted.AddSeconds(1), SchedulerOptions.Default))
        {
            state.Execute(decision, submitted.AddSeconds(1));
        }

        state.Started("job-1", submitted.AddSeconds(2));
        state.Record("job-1", new TrainerReport("node-1", "local", 640, 0.5, 10, 1 << 20, 1.5, 0.5, 1 << 21, 3.5), "trainer#1", submitted.AddSeconds(3), SchedulerOptions.Default);
        var status = CoordinatorViews.Status(state.Job("job-1")!, submitted.AddSeconds(4));

        var back = RoundTrip(status);

        AssertSameStatus(status, back);
        Assert.Equal(status.Events, back.Events);
        Assert.Equal(status.TrainersOverTime, back.TrainersOverTime);
        Assert.Equal((3, 2), (back.Priority, back.MinTrainers));
        Assert.NotEmpty(back.Events);
    }

    private static JobStatus Status() => new(
        "job",
        JobState.Running,
        0.91,
        0.3,
        120_000,
        5_000.5,
        1L << 32,
        700,
        24,
        new[] { new TrainerProgress("job", "node-1", "local", 60_000, 0.3, 300, 1L << 31, 10, 1) },
        new List<EvaluationPoint> { new(2, 10_000, 0.9, 0.8), new(4, 20_000, 0.5, 0.88) },
        new Dictionary<string, int> { ["akka.tcp://edgetrain@127.0.0.1:4100"] = 3, ["akka.tcp://edgetrain@127.0.0.1:4101"] = 1 },
        null);

    private T RoundTrip<T>(T message)
        where T : notnull
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<HyperionSerializerAdapter>(serializer);
        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var back = Sys.Serialization.Deserialize(bytes, HyperionSerializerAdapter.SerializerId, manifest);
        Assert.IsType(message.GetType(), back);
        return (T)back;
    }

    private static void AssertSameSpec(JobSpec expected, JobSpec actual)
    {
        Assert.Equal(
            (expected.Name, expected.Data, expected.Optimizer, expected.BatchSize, expected.MaxEpochs),
            (actual.Name, actual.Data, actual.Optimizer, actual.BatchSize, actual.MaxEpochs));
        Assert.Equal(
            (expected.TargetAccuracy, expected.TimeLimit, expected.SliceFloats, expected.Seed),
            (actual.TargetAccuracy, actual.TimeLimit, actual.SliceFloats, actual.Seed));
        Assert.Equal(expected.Model.Kind, actual.Model.Kind);
        Assert.Equal(expected.Model.Hidden, actual.Model.Hidden);
        Assert.Equal(expected.Model.ConvChannels, actual.Model.ConvChannels);
        Assert.Equal(expected.Model.Dropout, actual.Model.Dropout);
    }

    private static void AssertSameStatus(JobStatus expected, JobStatus actual)
    {
        Assert.Equal(
            (expected.JobId, expected.State, expected.Accuracy, expected.Loss, expected.Samples, expected.SamplesPerSecond),
            (actual.JobId, actual.State, actual.Accuracy, actual.Loss, actual.Samples, actual.SamplesPerSecond));
        Assert.Equal(
            (expected.BytesSent, expected.Updates, expected.ElapsedSeconds, expected.Message),
            (actual.BytesSent, actual.Updates, actual.ElapsedSeconds, actual.Message));
        Assert.Equal(expected.Trainers, actual.Trainers);
        Assert.Equal(expected.Curve, actual.Curve);
        Assert.Equal(expected.SlicesPerNode, actual.SlicesPerNode);
    }

    [Fact]
    public void Every_protocol_message_but_the_tensors_is_bound_to_the_hyperion_adapter()
    {
        foreach (var message in AllHyperionMessages())
        {
            var serializer = Sys.Serialization.FindSerializerFor(message);

            Assert.True(serializer is HyperionSerializerAdapter, $"{message.GetType().Name} goes to {serializer.GetType().Name}");
            Assert.Equal(4711, serializer.Identifier);
            Assert.False(serializer.IncludeManifest);
        }
    }

    [Theory]
    [MemberData(nameof(PlainMessages))]
    public void A_message_without_collections_round_trips_to_an_equal_record(object message) =>
        Assert.Equal(message, RoundTrip(message));

    [Fact]
    public void ListJobs_round_trips_to_an_equal_record() =>
        Assert.Equal(ListJobs.Instance, RoundTrip(ListJobs.Instance));

    [Fact]
    public void AggregatorProgress_round_trips_with_its_acknowledged_sequence_numbers()
    {
        var progress = new AggregatorProgress("job", "local", "job:local#5f", 50, 49, 1L << 30, [12, 0, 7]);

        var back = RoundTrip(progress);

        Assert.Equal((progress.JobId, progress.Region, progress.AggregatorId, progress.MergedSent, progress.Acknowledged, progress.BytesSent),
            (back.JobId, back.Region, back.AggregatorId, back.MergedSent, back.Acknowledged, back.BytesSent));
        Assert.Equal(progress.AckedContiguous, back.AckedContiguous);
    }

    [Fact]
    public void The_kind_of_a_ShardInfo_time_survives()
    {
        var info = new ShardInfo("job", 0, 1, 1, 1, 0, DateTime.UtcNow, new() { ["job:a#1"] = 7 }, new() { ["job:a#1"] = [9, 12] });

        var back = RoundTrip(info);

        Assert.Equal(DateTimeKind.Utc, back.LastUpdateUtc.Kind);
        Assert.Equal(info.LastUpdateUtc.Ticks, back.LastUpdateUtc.Ticks);
        Assert.Equal(info.AppliedContiguous, back.AppliedContiguous);
        Assert.Equal(info.AppliedAbove["job:a#1"], back.AppliedAbove["job:a#1"]);
    }

    [Fact]
    public void InitSlice_round_trips_with_its_values_and_optimizer()
    {
        var values = new[] { float.NaN, -0f, float.PositiveInfinity, 1.5f };
        var message = new InitSlice("jöb", 4, values, new ShardOptimizerSpec(ShardOptimizerKind.Nesterov, 0.05f, 0.9f, WeightDecay: 1e-4f), 50);

        var back = RoundTrip(message);

        Assert.Equal((message.JobId, message.Slice, message.Optimizer, message.SnapshotEvery), (back.JobId, back.Slice, back.Optimizer, back.SnapshotEvery));
        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), back.Values.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void The_messages_of_a_split_step_round_trip_with_their_payloads()
    {
        var forward = RoundTrip(new SplitProtocol.SplitForward("job", 7, 2, [1, 2, 3], [4, 5]));
        var uShaped = RoundTrip(new SplitProtocol.SplitForward("job", 8, 2, [1, 2, 3], null));
        var model = new ModelSpec(ModelKind.Cnn, [128], [32, 64], 0.25) { Split = new SplitSpec("conv2", SplitLabels.Client, new CodecSpec(CodecKind.Int8, BlockSize: 64)) };
        var spec = new JobSpec("job", model, new DataSpec("mnist", "/data", PartitioningKind.Iid, 2), new OptimizerSpec(OptimizerKind.Adam, 0.001, 0, 0), 64, 1, 0.9, TimeSpan.FromMinutes(1), 262_144, 1);
        var described = RoundTrip(new SplitProtocol.SplitJobDescribed("job", spec, [18_816, 262_144]));

        Assert.Equal((7L, 2), (forward.Step, forward.Rows));
        Assert.Equal(new byte[] { 1, 2, 3 }, forward.Activations);
        Assert.Equal(new byte[] { 4, 5 }, forward.Labels);
        Assert.Null(uShaped.Labels);
        Assert.Equal(model.Split, described.Spec.Model.Split);
        Assert.Equal([18_816, 262_144], described.SliceLengths);
        Assert.Equal(new byte[] { 9 }, RoundTrip(new SplitProtocol.SplitHidden("job", 1, [9])).Hidden);
        Assert.Equal(new byte[] { 8 }, RoundTrip(new SplitProtocol.SplitHiddenGradient("job", 1, [8])).Gradient);
        Assert.Equal(0.5f, RoundTrip(new SplitProtocol.SplitGradient("job", 1, [7], 0.5f)).Loss);
        Assert.Equal(new SplitProtocol.SplitRefused("job", 3, "why"), RoundTrip(new SplitProtocol.SplitRefused("job", 3, "why")));
    }

    [Fact]
    public void The_messages_of_a_secure_round_round_trip_with_their_keys_boxes_words_and_shares()
    {
        using var client = new SecureClient();
        using var other = new SecureClient();
        var roster = new SecureRoster("job:eu#1/1", [client.Keys, other.Keys], 0.5);
        var boxes = client.Share(roster, 0);
        var share = new SecretShare(2, [1, 2, 3]);

        var rosterBack = RoundTrip(new SecureRosterFixed("job", roster, 1));
        var sharesBack = RoundTrip(new SecureShares("job", "eu", roster.RoundId, 0, boxes));
        var maskedBack = RoundTrip(new SecureMasked("job", "eu", roster.RoundId, 0, [1, 2, 3, 4], 64, 1000));
        var revealBack = RoundTrip(new SecureRevealed("job", "eu", roster.RoundId, 0, new SecureReveal(new() { [1] = share }, new() { [0] = share })));
        var unmaskBack = RoundTrip(new SecureUnmask("job", roster.RoundId, [0, 1], []));
        var configureBack = RoundTrip(new ConfigureAggregator("job", "eu", [10], 5, TimeSpan.FromSeconds(5)) { SecureRange = 0.5 });

        Assert.True(rosterBack.Roster.Keys[1].SameAs(other.Keys));
        Assert.Equal((roster.RoundId, 0.5, 1), (rosterBack.Roster.RoundId, rosterBack.Roster.Range, rosterBack.Index));
        Assert.Equal(boxes[1], sharesBack.Boxes[1]);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, maskedBack.Words);
        Assert.Equal(share.Y, revealBack.Reveal.SelfShares[1].Y);
        Assert.Equal(2, revealBack.Reveal.MaskShares[0].X);
        Assert.Equal([0, 1], unmaskBack.Survivors);
        Assert.Equal(0.5, configureBack.SecureRange);
        Assert.Equal(new SecureRoundEnded("job", "r", false, "too few"), RoundTrip(new SecureRoundEnded("job", "r", false, "too few")));
        Assert.True(RoundTrip(new SecureJoin("job", "eu", client.Keys)).Keys.SameAs(client.Keys));
    }

    [Fact]
    public void ConfigureAggregator_round_trips()
    {
        var message = new ConfigureAggregator("job", "eu-west", [262_144, 262_144, 1_000], 2, TimeSpan.FromMilliseconds(200));

        var back = RoundTrip(message);

        Assert.Equal((message.JobId, message.Region, message.MergeCount, message.MergeInterval), (back.JobId, back.Region, back.MergeCount, back.MergeInterval));
        Assert.Equal(message.SliceLengths, back.SliceLengths);
    }

    [Fact]
    public void SubmitJob_round_trips_with_the_full_job_spec()
    {
        var back = RoundTrip(new SubmitJob(Spec));

        AssertSameSpec(Spec, back.Spec);
    }

    [Fact]
    public void A_job_spec_with_list_typed_sizes_round_trips()
    {
        var spec = Spec with { Model = new ModelSpec(ModelKind.Mlp, new List<int> { 256, 128 }, new List<int>(), 0) };

        var back = RoundTrip(new SubmitJob(spec));

        AssertSameSpec(spec, back.Spec);
    }

    [Fact]
    public void StartTraining_round_trips_and_resolves_the_coordinator_to_the_same_actor()
    {
        var message = new StartTraining("job", Spec, [2, 4], 5, "local", [262_144, 7], TestActor);

        var back = RoundTrip(message);

        Assert.Equal((message.JobId, message.Partitions, message.Region), (back.JobId, back.Partitions, back.Region));
        Assert.Equal(message.Assigned, back.Assigned);
        Assert.Equal(message.SliceLengths, back.SliceLengths);
        AssertSameSpec(Spec, back.Spec);
        Assert.Equal(TestActor, back.Coordinator);
        Assert.Equal(TestActor.Path.Uid, back.Coordinator.Path.Uid);
    }

    [Fact]
    public void A_resolved_coordinator_reaches_the_actor()
    {
        var back = RoundTrip(new StartTraining("job", Spec, [0], 1, "local", [1], TestActor));

        back.Coordinator.Tell("hello");

        ExpectMsg("hello");
    }

    [Fact]
    public void JobStatus_round_trips_with_its_trainers_and_curve()
    {
        var status = Status();

        var back = RoundTrip(status);

        AssertSameStatus(status, back);
        Assert.True(back.Trainers.Count == 1 && back.Curve.Count == 2);
    }

    [Fact]
    public void JobList_round_trips()
    {
        var failed = Status() with { State = JobState.Failed, Message = "no trainer node", Trainers = [], Curve = [] };
        var list = new JobList(new[] { Status(), failed });

        var back = RoundTrip(list);

        Assert.Equal(2, back.Jobs.Count);
        AssertSameStatus(list.Jobs[0], back.Jobs[0]);
        AssertSameStatus(failed, back.Jobs[1]);
        Assert.True(back.Jobs[1].Finished);
    }

    [Fact]
    public void An_empty_JobList_round_trips() =>
        Assert.Empty(RoundTrip(new JobList([])).Jobs);

    [Fact]
    public void RegisterNode_round_trips_with_capabilities_and_trainer_host()
    {
        var message = new RegisterNode("akka.tcp://edgetrain@10.0.0.2:4053", "local", ["trainer", "aggregator"], Capabilities, TestActor);

        var back = RoundTrip(message);

        Assert.Equal((message.Address, message.Region), (back.Address, back.Region));
        Assert.Equal(message.Roles, back.Roles);
        Assert.Equal(Capabilities, back.Capabilities);
        Assert.Equal(TestActor, back.TrainerHost);
    }

    [Fact]
    public void RegisterNode_without_a_trainer_host_round_trips()
    {
        var capabilities = Capabilities with { TorchAvailable = true, TorchError = null, CudaAvailable = true, CudaDevices = 2 };
        var message = new RegisterNode("akka.tcp://edgetrain@10.0.0.3:4053", "local", [], capabilities, null);

        var back = RoundTrip(message);

        Assert.Equal(capabilities, back.Capabilities);
        Assert.Empty(back.Roles);
        Assert.Null(back.TrainerHost);
    }

    [Fact]
    public void Unicode_text_round_trips()
    {
        var message = new UpdateRejected("任务-🚀", 0, "région:ünï", 1, "värde 2 är ∞");

        Assert.Equal(message, RoundTrip(message));
    }

    [Fact]
    public void A_type_off_the_allow_list_is_refused()
    {
        var bytes = WithoutFilter(new Gadgets.Evil("rm -rf /"));

        AssertRefused(bytes, "Gadgets.Evil");
    }

    [Fact]
    public void A_type_off_the_allow_list_inside_an_allowed_message_is_refused()
    {
        var bytes = WithoutFilter(new Carrier("job", new Gadgets.Evil("rm -rf /")));

        AssertRefused(bytes, "Gadgets.Evil");
    }

    [Fact]
    public void A_list_of_gadgets_is_refused()
    {
        var bytes = WithoutFilter(new List<Gadgets.Evil> { new("rm -rf /") });

        AssertRefused(bytes, "Gadgets.Evil");
    }

    [Fact]
    public void A_list_of_gadgets_inside_an_allowed_message_is_refused()
    {
        var bytes = WithoutFilter(new Carrier("job", new List<Gadgets.Evil> { new("rm -rf /") }));

        AssertRefused(bytes, "Gadgets.Evil");
    }

    [Fact]
    public void A_file_info_is_refused()
    {
        var bytes = WithoutFilter(new Carrier("job", new FileInfo("/etc/passwd")));

        AssertRefused(bytes, "System.IO.FileInfo");
    }

    [Fact]
    public void Bytes_written_without_the_filter_for_an_allowed_type_are_read()
    {
        var bytes = WithoutFilter(new Carrier("job", 42));

        Assert.Equal(new Carrier("job", 42), Adapter().FromBinary(bytes, typeof(object)));
    }

    private void AssertRefused(byte[] bytes, string typeName)
    {
        var e = Assert.ThrowsAny<Exception>(() => Adapter().FromBinary(bytes, typeof(object)));

        Assert.Contains(typeName, e.ToString(), StringComparison.Ordinal);
    }

    private HyperionSerializerAdapter Adapter() =>
        Assert.IsType<HyperionSerializerAdapter>(Sys.Serialization.FindSerializerForType(typeof(JobAccepted)));

    private static byte[] WithoutFilter(object value)
    {
        // the adapter's options, less the allow-list
        var plain = new Hyperion.Serializer(new Hyperion.SerializerOptions(
            versionTolerance: true,
            preserveObjectReferences: false,
            surrogates: null,
            serializerFactories: null,
            knownTypes: null,
            ignoreISerializable: true,
            packageNameOverrides: null,
            disallowUnsafeTypes: false,
            typeFilter: Hyperion.DisabledTypeFilter.Instance));
        using var stream = new MemoryStream();
        plain.Serialize(value, stream);
        return stream.ToArray();
    }
}

/// <summary>An allowed type (EdgeTrain namespace) that can carry anything.</summary>
public sealed record Carrier(string JobId, object Payload) : IEdgeTrainMessage;
