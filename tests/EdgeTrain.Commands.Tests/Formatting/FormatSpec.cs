using Akka.Cluster;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Commands.Formatting;
using EdgeTrain.Core.Jobs;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Commands.Tests.Formatting;

public sealed class FormatSpec
{
    private static readonly DateTime Now = new(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);

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
    public void A_job_shows_its_audit_of_acknowledged_updates()
    {
        var status = new JobStatus("mlp-1", JobState.Paused, 0.91, 0.3, 4000, 100, 1_000_000, 120, 40, [], [], new Dictionary<string, int> { ["n1"] = 3 }, null);

        var lines = JobFormat.JobDetail(status, new UpdateAudit("mlp-1", 120, 0, null)).ToList();

        Assert.Contains("State: paused", lines);
        Assert.Contains("Audit: 120 acknowledged updates, 0 lost", lines);
        Assert.Contains("  n1 | 3 slices", lines);
        Assert.StartsWith("mlp-1 | paused | 40 s | 4,000 samples", JobFormat.JobLine(status), StringComparison.Ordinal);
    }
}
