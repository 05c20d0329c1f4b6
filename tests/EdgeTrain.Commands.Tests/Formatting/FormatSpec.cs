using Akka.Cluster;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Commands.Formatting;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Membership;
using EdgeTrain.Core.Scheduling;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.GuardProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Commands.Tests.Formatting;

public sealed class FormatSpec
{
    private static readonly DateTime Now = new(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_revocation_names_the_certificate_its_node_and_the_member_downed()
    {
        var revoked = new NodeRevoked(new RevokedCertificate("0A1B", "node-b", "key leaked", Now), "akka.ssl.tcp://edgetrain@10.0.0.2:4054");

        Assert.Equal("Revoked certificate 0A1B of node node-b (key leaked); akka.ssl.tcp://edgetrain@10.0.0.2:4054 is downed, and no node accepts that certificate again", ClusterFormat.Revoked(revoked));
        Assert.Equal("Revoked certificate 0A1B of an unknown node (key leaked); no member holds it, and no node accepts that certificate again", ClusterFormat.Revoked(revoked with { Revocation = revoked.Revocation with { NodeId = "" }, Member = null }));
    }

    [Fact]
    public void A_member_line_is_petabridge_cmds()
    {
        Assert.Equal("akka.tcp://edgetrain@127.0.0.1:4053 | [params, seed] | up |",
            ClusterFormat.MemberLine("akka.tcp://edgetrain@127.0.0.1:4053", ["seed", "params"], MemberStatus.Up, unreachable: false));
        Assert.Equal("akka.tcp://edgetrain@127.0.0.1:4054 | [] | leaving | unreachable",
            ClusterFormat.MemberLine("akka.tcp://edgetrain@127.0.0.1:4054", [], MemberStatus.Leaving, unreachable: true));
        Assert.Equal("Count: 4 nodes", ClusterFormat.Count(4));
        Assert.Equal("Count: 1 node", ClusterFormat.Count(1));
    }

    [Fact]
    public void Region_stats_list_each_regions_shards_and_the_totals()
    {
        var lines = ShardingFormat.RegionStats("parameter-shard", new Dictionary<string, IReadOnlyDictionary<string, int>>
        {
            ["akka.tcp://edgetrain@127.0.0.1:2"] = new Dictionary<string, int> { ["12"] = 1, ["3"] = 2 },
            ["akka.tcp://edgetrain@127.0.0.1:1"] = new Dictionary<string, int> { ["40"] = 4 },
        }).ToList();

        Assert.Equal(
            [
                "Region stats for [parameter-shard]",
                "akka.tcp://edgetrain@127.0.0.1:1 | 4 entities in 1 shards",
                "  shard 40: 4 entities",
                "akka.tcp://edgetrain@127.0.0.1:2 | 3 entities in 2 shards",
                "  shard 3: 2 entities",
                "  shard 12: 1 entity",
                "Total: 7 entities in 3 shards on 2 regions",
            ],
            lines);
    }

    [Fact]
    public void A_slice_line_says_where_it_lives_its_version_and_how_long_ago_it_changed()
    {
        var slice = new SliceHealth(3, "akka.tcp://edgetrain@127.0.0.1:5", 42, Now.AddSeconds(-1)) { LastUpdatedUtc = Now.AddSeconds(-30) };
        var unplaced = new SliceHealth(4, null, -1, DateTime.MinValue);

        Assert.Equal("slice 3 | akka.tcp://edgetrain@127.0.0.1:5 | version 42 | updated 30 s ago | answered 1.0 s ago", JobFormat.SliceLine(slice, Now));
        Assert.Equal("slice 4 | (not placed yet) | version -1 | updated never | answered never", JobFormat.SliceLine(unplaced, Now));
    }

    [Theory]
    [InlineData(0.4, "0.4 s ago")]
    [InlineData(45, "45 s ago")]
    [InlineData(600, "10 min ago")]
    [InlineData(3 * 3600, "3 h ago")]
    public void Ages_read_as_people_say_them(double seconds, string expected) =>
        Assert.Equal(expected, Ages.Ago(Now.AddSeconds(-seconds), Now));

    [Fact]
    public void A_split_job_shows_where_it_is_cut_where_its_loss_is_and_what_its_data_nodes_received()
    {
        var trainer = new TrainerProgress("split-1", "n1", "a", 640, 0.5, 2, 1_000_000, 3, 1, BytesPulled: 2_500_000);
        var status = new JobStatus("split-1", JobState.Running, 0.9, 0.3, 640, 100, 1_000_000, 2, 10, [trainer], [], new Dictionary<string, int>(), null)
        {
            Split = new SplitSpec("conv2", SplitLabels.Client, new Core.Codecs.CodecSpec(Core.Codecs.CodecKind.Fp16)),
        };

        var lines = JobFormat.JobDetail(status, null).ToList();

        Assert.Contains("Split: data nodes run the layers up to conv2 and the last with the loss, the split-server the rest; activations as fp16; received 2.5 MB", lines);
    }

    [Fact]
    public void A_language_job_shows_bits_per_character_its_perplexity_and_target_and_its_latest_sample_on_one_line()
    {
        var status = new JobStatus("lm-1", JobState.Running, 0, 1.9, 6400, 200, 1_000_000, 20, 32, [], [], new Dictionary<string, int>(), null)
        {
            Language = true,
            BitsPerCharacter = 2.75,
            TargetLoss = 2.6,
            Sample = "the Union\nis strong",
            PartitionBits = [2.7, 2.81],
        };

        var lines = JobFormat.JobDetail(status, null).ToList();

        Assert.Contains("Bits per character: 2.750 (perplexity 6.73), target 2.600", lines);
        Assert.Contains("Sample: the Union⏎is strong", lines);
        Assert.Contains("Held-out text of each partition: 0 2.700, 1 2.810 bits per character", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("Accuracy:", StringComparison.Ordinal));
        Assert.Contains("| 2.750 bits/char |", JobFormat.JobLine(status), StringComparison.Ordinal);
        Assert.Equal("bits/char n/a", JobFormat.Score(status with { BitsPerCharacter = double.NaN }));
    }

    [Fact]
    public void A_job_shows_its_audit_of_acknowledged_updates()
    {
        var status = new JobStatus("mlp-1", JobState.Paused, 0.91, 0.3, 4000, 100, 1_000_000, 120, 40, [], [], new Dictionary<string, int> { ["n1"] = 3 }, null);

        var lines = JobFormat.JobDetail(status, new UpdateAudit("mlp-1", 120, 0, null)).ToList();

        Assert.Contains("State: paused", lines);
        Assert.Contains("Audit: 120 acknowledged updates, 0 lost", lines);
        Assert.Contains("  n1 | 3 slices", lines);
        Assert.StartsWith("mlp-1 | paused | 40 s | 4,000 samples", JobFormat.JobLine(status), StringComparison.Ordinal);
    }

    private const string HeldByBig = "needs 1 trainer(s); 0 of 2 slot(s) free for it; held by big-1 (priority 10, 2)";

    private static readonly JobQueue Queue = new(
        [
            new QueueEntry(1, "big-1", 10, JobState.Running, 2, 2, 4, Now.AddMinutes(-10), null),
            new QueueEntry(2, "small-2", 0, JobState.Queued, 0, 1, 0, Now.AddSeconds(-30), HeldByBig),
        ],
        TotalSlots: 2,
        FreeSlots: 0);

    [Fact]
    public void The_queue_is_a_table_in_the_order_of_service_with_the_slots_and_the_count()
    {
        var lines = JobFormat.QueueLines(Queue, Now).ToList();
        var empty = JobFormat.QueueLines(new JobQueue([], 3, 3), Now).ToList();

        Assert.Equal(
            [
                "#  JOB      PRIORITY  STATE    TRAINERS  SUBMITTED   WAITING",
                "1  big-1          10  running  2/2/4     10 min ago",
                "2  small-2         0  queued   0/1/any   30 s ago    " + HeldByBig,
                "Slots: 2 trainer slots, 0 free",
                "Count: 2 unfinished jobs",
            ],
            lines);
        Assert.Equal(["Slots: 3 trainer slots, 3 free", "Count: 0 unfinished jobs"], empty);
    }

    [Fact]
    public void A_waiting_job_shows_its_priority_reservation_place_in_the_queue_and_why_it_waits()
    {
        var queued = new JobStatus("small-2", JobState.Queued, 0, double.NaN, 0, 0, 0, 0, 0, [], [], new Dictionary<string, int>(), "waiting for the scheduler")
        {
            Priority = 0,
            MinTrainers = 1,
            MaxTrainers = 0,
        };
        var running = new JobStatus("big-1", JobState.Running, 0.5, 0.9, 100, 10, 0, 3, 12, [], [], new Dictionary<string, int>(), null)
        {
            Priority = 10,
            MinTrainers = 2,
            MaxTrainers = 4,
            TrainersOverTime = [new TrainerCount(0.5, 2), new TrainerCount(20.26, 3)],
        };

        var waiting = JobFormat.JobDetail(queued, null, Queue.Jobs[1]).ToList();
        var withoutQueue = JobFormat.JobDetail(queued, null).ToList();
        var busy = JobFormat.JobDetail(running, null, Queue.Jobs[0]).ToList();

        Assert.Contains("State: queued", waiting);
        Assert.Contains("Priority: 0", waiting);
        Assert.Contains("Reservation: min 1, max any trainers", waiting);
        Assert.Contains("Queue: position 2, 0 trainers held", waiting);
        Assert.Contains("Waiting: " + HeldByBig, waiting);
        Assert.Contains("Message: waiting for the scheduler", waiting); // the job's own message differs from the scheduler's reason
        Assert.Contains("Waiting: waiting for the scheduler", withoutQueue);
        Assert.DoesNotContain(withoutQueue, l => l.StartsWith("Message:", StringComparison.Ordinal));
        Assert.Contains("Priority: 10", busy);
        Assert.Contains("Reservation: min 2, max 4 trainers", busy);
        Assert.Contains("Trainers over time: 0.5 s: 2, 20.3 s: 3", busy);
        Assert.DoesNotContain(busy, l => l.StartsWith("Waiting:", StringComparison.Ordinal));
        Assert.EndsWith("| priority 10", JobFormat.JobLine(running), StringComparison.Ordinal);
    }

    [Fact]
    public void Priority_and_drain_answers_and_a_draining_node_read_plainly()
    {
        var node = new NodeActivity("akka.tcp://edgetrain@127.0.0.1:5", "local", ["trainer"], new NodeCapabilities(2, 8L << 30, true, null, false, 0, 10, 10L << 30, "test"), 3, null)
        {
            Jobs = ["big-1", "small-2"],
            Draining = true,
        };

        Assert.Equal("big-1: priority -3; preempted small-2", JobFormat.PrioritySet(new JobPrioritySet("big-1", -3, "preempted small-2")));
        Assert.Equal("big-1: priority 4", JobFormat.PrioritySet(new JobPrioritySet("big-1", 4, "")));
        Assert.Equal(
            ["Draining akka.tcp://edgetrain@127.0.0.1:5: no new trainer goes there", "Still training there until they end or move: big-1, small-2"],
            JobFormat.Draining(new NodeDraining("akka.tcp://edgetrain@127.0.0.1:5", ["big-1", "small-2"], "no new trainer goes there")));
        Assert.Equal("No job trains there: it takes no new trainer", JobFormat.Draining(new NodeDraining("a", [], "")).Last());
        Assert.EndsWith("(3 in all) | jobs big-1, small-2 | reputation 0.50 | draining", JobFormat.NodeLine(node, 2, Now), StringComparison.Ordinal);
        Assert.EndsWith("(3 in all) | reputation 0.50", JobFormat.NodeLine(node with { Jobs = [], Draining = false }, 2, Now), StringComparison.Ordinal);
        Assert.EndsWith("| reputation 0.09 | QUARANTINED", JobFormat.NodeLine(node with { Jobs = [], Draining = false, Reputation = 0.087, Quarantined = true }, 2, Now), StringComparison.Ordinal);
        Assert.Equal("2/1/any", JobFormat.Trainers(2, 1, 0));
    }
}
