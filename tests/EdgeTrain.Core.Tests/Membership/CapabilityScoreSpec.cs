using EdgeTrain.Core.Membership;

namespace EdgeTrain.Core.Tests.Membership;

public sealed class CapabilityScoreSpec
{
    private const long GiB = 1L << 30;

    private static NodeCapabilities Node(
        double gflops = 40,
        bool torch = true,
        int cores = 2,
        long memory = 8 * GiB,
        bool cuda = false,
        long disk = 80 * GiB) =>
        new(cores, memory, torch, torch ? null : "no libtorch", cuda, cuda ? 1 : 0, torch ? gflops : 0, disk, "Linux");

    [Fact]
    public void A_node_with_torch_offers_every_role()
    {
        Assert.Equal(
            [CapabilityScore.ParamsRole, CapabilityScore.AggregatorRole, CapabilityScore.TrainerRole],
            CapabilityScore.DefaultRoles(Node()));
    }

    [Fact]
    public void A_node_without_torch_offers_only_the_torch_free_roles()
    {
        Assert.Equal(
            [CapabilityScore.ParamsRole, CapabilityScore.AggregatorRole],
            CapabilityScore.DefaultRoles(Node(torch: false)));
    }

    [Fact]
    public void A_node_without_torch_scores_zero_for_trainer()
    {
        Assert.Equal(0, CapabilityScore.ForTrainer(Node(torch: false, cores: 64, memory: 256 * GiB)));
    }

    [Fact]
    public void A_node_with_torch_scores_above_zero_for_trainer_even_with_no_throughput()
    {
        Assert.True(CapabilityScore.ForTrainer(Node(gflops: 0)) > 0);
    }

    [Fact]
    public void More_gflops_scores_higher()
    {
        Assert.True(CapabilityScore.ForTrainer(Node(gflops: 41)) > CapabilityScore.ForTrainer(Node(gflops: 40)));
    }

    [Fact]
    public void Throughput_outweighs_cores_and_memory()
    {
        var fastSmall = Node(gflops: 100, cores: 2, memory: 2 * GiB);
        var slowBig = Node(gflops: 50, cores: 64, memory: 256 * GiB);

        Assert.True(CapabilityScore.ForTrainer(fastSmall) > CapabilityScore.ForTrainer(slowBig));
    }

    [Fact]
    public void Cuda_cores_and_memory_break_ties_between_equal_throughputs()
    {
        var plain = CapabilityScore.ForTrainer(Node());

        Assert.True(CapabilityScore.ForTrainer(Node(cuda: true)) > plain);
        Assert.True(CapabilityScore.ForTrainer(Node(cores: 8)) > plain);
        Assert.True(CapabilityScore.ForTrainer(Node(memory: 16 * GiB)) > plain);
    }

    [Fact]
    public void Params_score_grows_with_memory_and_with_free_disk_up_to_a_cap()
    {
        var baseline = CapabilityScore.ForParams(Node());

        Assert.True(CapabilityScore.ForParams(Node(memory: 16 * GiB)) > baseline);
        Assert.True(CapabilityScore.ForParams(Node(disk: 90 * GiB)) > baseline);
        Assert.True(CapabilityScore.ForParams(Node(memory: 20 * GiB, disk: 0)) > CapabilityScore.ForParams(Node(memory: 8 * GiB, disk: 1_000 * GiB)));
    }

    [Fact]
    public void Params_score_does_not_need_torch()
    {
        Assert.Equal(CapabilityScore.ForParams(Node()), CapabilityScore.ForParams(Node(torch: false)));
    }

    [Fact]
    public void Ranking_puts_the_fastest_first_and_nodes_without_torch_last()
    {
        var nodes = new[]
        {
            ("no-torch", Node(torch: false)),
            ("slow", Node(gflops: 10)),
            ("fast", Node(gflops: 90)),
            ("middle", Node(gflops: 40)),
        };

        var ranked = CapabilityScore.RankForTrainers(nodes, n => n.Item2);

        Assert.Equal(["fast", "middle", "slow", "no-torch"], ranked.Select(n => n.Item1));
    }

    [Fact]
    public void Ranking_keeps_the_given_order_of_equal_scores()
    {
        var nodes = new[]
        {
            ("a", Node(gflops: 40)),
            ("b", Node(gflops: 80)),
            ("c", Node(gflops: 40)),
            ("d", Node(torch: false)),
            ("e", Node(gflops: 40)),
            ("f", Node(torch: false)),
        };

        var ranked = CapabilityScore.RankForTrainers(nodes, n => n.Item2);

        Assert.Equal(["b", "a", "c", "e", "d", "f"], ranked.Select(n => n.Item1));
    }

    [Fact]
    public void Ranking_no_nodes_gives_an_empty_list()
    {
        Assert.Empty(CapabilityScore.RankForTrainers(Array.Empty<NodeCapabilities>(), n => n));
    }

    [Fact]
    public void Describe_summarises_a_cpu_node_on_one_line()
    {
        var node = new NodeCapabilities(2, (long)(23.4 * GiB), true, null, false, 0, 41.23, 80 * GiB, "Linux");

        Assert.Equal("2 cores, 23.4 GiB, torch cpu, 41.2 GFLOP/s, 80 GiB free", CapabilityScore.Describe(node));
    }

    [Fact]
    public void Describe_shows_cuda_devices()
    {
        var node = new NodeCapabilities(8, 32 * GiB, true, null, true, 2, 5_000, 100 * GiB, "Linux");

        Assert.Equal("8 cores, 32.0 GiB, torch cuda (2 GPUs), 5000.0 GFLOP/s, 100 GiB free", CapabilityScore.Describe(node));
    }

    [Fact]
    public void Describe_says_no_torch_and_leaves_out_throughput()
    {
        var node = new NodeCapabilities(1, 4 * GiB, false, "libtorch missing", false, 0, 0, 12 * GiB, "Linux");

        Assert.Equal("1 core, 4.0 GiB, no torch, 12 GiB free", CapabilityScore.Describe(node));
    }
}
