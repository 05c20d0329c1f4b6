using System.Text.Json;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Commands.Dashboard;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Membership;
using EdgeTrain.Core.Scheduling;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Commands.Tests.Dashboard;

public sealed class DashboardSnapshotSpec
{
    private const string Seed = "akka.ssl.tcp://edgetrain@127.0.0.1:4053";
    private const string Node = "akka.ssl.tcp://edgetrain@127.0.0.1:4101";
    private const string Gone = "akka.ssl.tcp://edgetrain@127.0.0.1:4102";
    private static readonly DateTime At = new(2026, 12, 4, 12, 0, 0, DateTimeKind.Utc);
    private static readonly NodeCapabilities Capabilities = new(2, 8L << 30, true, null, false, 0, 10, 10L << 30, "test");

    private static JobStatus Job(string id, bool language) =>
        new(id, JobState.Running, language ? double.NaN : 0.91, double.NaN, 6_400, 200, 1_000_000, 20, 32,
            [new TrainerProgress(id, Node, "a", 6_400, 0.5, 3, 100, 1, 1)],
            [new EvaluationPoint(10, 3_200, 2.1, language ? 0 : 0.8) { BitsPerCharacter = language ? 3.4 : double.NaN }],
            new Dictionary<string, int> { [Node] = 3 }, null)
        {
            Language = language,
            BitsPerCharacter = language ? 3.4 : double.NaN,
            Sample = language ? "the Union" : null,
            Events = [language ? "12:00:02.000 node lost" : "12:00:01.000 placed"],
        };

    [Fact]
    public void Every_member_is_listed_with_what_the_coordinator_knows_of_it_and_a_node_that_left_is_marked()
    {
        var members = new[] { new ClusterMemberView(Seed, "up", ["seed"]), new ClusterMemberView(Node, "up", ["params", "trainer"]) };
        var nodes = new[] { new NodeInfo(Node, "region-a", ["params", "trainer"], Capabilities) { Reputation = 0.8 }, new NodeInfo(Gone, "region-b", ["trainer"], Capabilities) };

        var snapshot = DashboardSnapshot.Of(At, 7, members, nodes, [Job("mlp-1", language: false)], null);

        Assert.Equal([Seed, Node, Gone], snapshot.Members.Select(m => m.Address));
        var node = snapshot.Members.Single(m => m.Address == Node);
        Assert.Equal(("region-a", 3, 6_400L, 0.8), (node.Region, node.Slices, node.Samples, node.Reputation));
        Assert.NotNull(node.Capabilities);
        Assert.Null(snapshot.Members.Single(m => m.Address == Seed).Region);
        Assert.Equal("not a member", snapshot.Members.Single(m => m.Address == Gone).Status);
    }

    [Fact]
    public void A_classifier_shows_accuracy_a_language_model_bits_per_character_and_nan_becomes_null()
    {
        var snapshot = DashboardSnapshot.Of(At, 1, [], null, [Job("mlp-1", language: false), Job("lm-2", language: true)], null);

        var (mlp, lm) = (snapshot.Jobs[0], snapshot.Jobs[1]);
        Assert.Equal((0.91, (double?)null, (double?)null), (mlp.Accuracy, mlp.BitsPerChar, mlp.Loss));
        Assert.Equal(((double?)null, 3.4, "the Union"), (lm.Accuracy, lm.BitsPerChar, lm.Sample));
        Assert.Equal(3.4, lm.Curve[0].BitsPerChar);
        Assert.Null(lm.Curve[0].Accuracy);
        Assert.Equal("running", lm.State);
        // JSON has no NaN: the snapshot serialises
        var json = JsonSerializer.Serialize(snapshot, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        Assert.Contains("\"bitsPerChar\":3.4", json, StringComparison.Ordinal);
    }

    [Fact]
    public void The_latest_events_of_every_job_come_in_time_order_with_the_job_named()
    {
        var snapshot = DashboardSnapshot.Of(At, 1, [], null, [Job("lm-2", language: true), Job("mlp-1", language: false)], null);

        Assert.Equal(["mlp-1: 12:00:01.000 placed", "lm-2: 12:00:02.000 node lost"], snapshot.Events);
    }

    [Fact]
    public void The_page_and_its_vendored_chart_library_with_its_licence_are_embedded_and_nothing_else_is_served()
    {
        Assert.Equal(["dashboard.css", "dashboard.js", "index.html", "uPlot.LICENSE.txt", "uPlot.iife.min.js", "uPlot.min.css"], DashboardAssets.Names.Order(StringComparer.Ordinal));
        Assert.Contains("MIT License", System.Text.Encoding.UTF8.GetString(DashboardAssets.Find("uPlot.LICENSE.txt")!.Content), StringComparison.Ordinal);
        Assert.Equal("text/javascript; charset=utf-8", DashboardAssets.Find("dashboard.js")!.ContentType);
        Assert.Null(DashboardAssets.Find("../reference.conf"));
        var page = System.Text.Encoding.UTF8.GetString(DashboardAssets.Find("index.html")!.Content);
        Assert.DoesNotContain("http", page.Replace("/static/", "", StringComparison.Ordinal), StringComparison.Ordinal); // no CDN
    }
}
