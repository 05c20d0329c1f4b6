using EdgeTrain.Commands.Palettes;
using EdgeTrain.Commands.Parsing;

namespace EdgeTrain.Commands.Tests.Parsing;

public sealed class CommandParserSpec
{
    private static readonly CommandParser Parser = AllPalettes.Parser;

    [Fact]
    public void A_command_is_matched_by_its_words_and_its_switches_are_read_by_short_or_long_name()
    {
        var down = Parser.Parse(["cluster", "down", "-a", "akka.tcp://edgetrain@10.0.0.7:4053"]);
        var peek = Parser.Parse(["log", "peek", "--count=5", "--level", "warning"]);

        Assert.Equal("cluster down", down.Spec.Name);
        Assert.Equal("akka.tcp://edgetrain@10.0.0.7:4053", down.Value("--address"));
        Assert.True(down.Spec.Mutating);
        Assert.Equal(5, peek.Int("--count", 50, 1, 100));
        Assert.Equal("warning", peek.Value("--level"));
        Assert.False(peek.Spec.Mutating);
    }

    [Fact]
    public void The_longest_command_wins_and_a_positional_argument_is_taken_where_the_command_has_one()
    {
        var regions = Parser.Parse(["cluster-sharding", "regions"]);
        var leave = Parser.Parse(["cluster", "leave", "10.0.0.7:4053"]);
        var leaveSelf = Parser.Parse(["cluster", "leave"]);

        Assert.Equal("cluster-sharding regions", regions.Spec.Name);
        Assert.Equal("10.0.0.7:4053", leave.Positional);
        Assert.Null(leaveSelf.Positional);
    }

    [Fact]
    public void A_flag_and_help_are_recognised()
    {
        var hierarchy = Parser.Parse(["actor", "hierarchy", "-s", "-d", "2"]);
        var help = Parser.Parse(["cluster", "down", "--help"]);

        Assert.True(hierarchy.Flag("--system"));
        Assert.Equal(2, hierarchy.Int("--depth", 3, 1, 10));
        Assert.True(help.HelpRequested); // and a missing required switch is no error then
    }

    [Fact]
    public void An_unknown_command_names_the_close_matches()
    {
        var typo = Assert.Throws<CommandUsageException>(() => Parser.Parse(["cluster", "shwo"]));
        var palette = Assert.Throws<CommandUsageException>(() => Parser.Parse(["clustr", "show"]));
        var nothing = Assert.Throws<CommandUsageException>(() => Parser.Parse(["zzzzzz"]));

        Assert.Contains("unknown command 'cluster shwo'", typo.Message, StringComparison.Ordinal);
        Assert.Contains("'cluster show'", typo.Message, StringComparison.Ordinal);
        Assert.Contains("'cluster show'", palette.Message, StringComparison.Ordinal);
        Assert.Contains("'help' lists the commands", nothing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cluster down", "--address is required")]
    [InlineData("cluster down -x 1", "unknown switch '-x'")]
    [InlineData("cluster show extra", "unexpected argument 'extra'")]
    [InlineData("job show -j", "--job expects ID")]
    [InlineData("cluster leave a:1 b:2", "unexpected argument 'b:2'")]
    [InlineData("actor hierarchy --system=yes", "--system takes no value")]
    [InlineData("job priority -j a-1", "--priority is required")]
    [InlineData("job priority -p 3", "--job is required")]
    [InlineData("node drain", "--address is required")]
    [InlineData("job queue -j a-1", "unknown switch '-j'")]
    [InlineData("job prio -j a-1 -p 1", "did you mean 'job priority'")]
    [InlineData("node drian -a 10.0.0.7:4053", "did you mean 'node drain'")]
    public void Misuse_of_a_command_is_a_usage_error_naming_what_is_wrong(string line, string expected)
    {
        var e = Assert.Throws<CommandUsageException>(() => Parser.Parse(line.Split(' ')));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Job_priority_takes_a_signed_priority_and_node_drain_an_address()
    {
        var lower = Parser.Parse(["job", "priority", "-j", "mnist-mlp-1", "-p", "-5"]);
        var higher = Parser.Parse(["job", "priority", "--job=mnist-mlp-1", "--priority=12"]);
        var drain = Parser.Parse(["node", "drain", "-a", "10.0.0.7:4053"]);
        var queue = Parser.Parse(["job", "queue"]);

        Assert.Equal("mnist-mlp-1", lower.Value("--job"));
        Assert.Equal(-5, lower.Int("--priority", 0, -1_000_000, 1_000_000));
        Assert.Equal(12, higher.Int("--priority", 0, -1_000_000, 1_000_000));
        Assert.Equal("10.0.0.7:4053", drain.Value("--address"));
        Assert.True(drain.Spec.Mutating);
        Assert.False(queue.Spec.Mutating);
        Assert.Throws<CommandUsageException>(() => Parser.Parse(["job", "priority", "-j", "a", "-p", "x"]).Int("--priority", 0, -1_000_000, 1_000_000));
        Assert.Throws<CommandUsageException>(() => Parser.Parse(["job", "priority", "-j", "a", "-p", "2000000"]).Int("--priority", 0, -1_000_000, 1_000_000));
    }

    [Fact]
    public void A_whole_number_switch_out_of_range_is_a_usage_error()
    {
        var peek = Parser.Parse(["log", "peek", "-c", "0"]);

        Assert.Throws<CommandUsageException>(() => peek.Int("--count", 50, 1, 100));
    }

    [Fact]
    public void Every_command_that_changes_the_cluster_or_a_job_needs_the_token_and_no_other_does()
    {
        var mutating = Parser.Commands.Where(c => c.Mutating).Select(c => c.Name).Order(StringComparer.Ordinal);

        Assert.Equal(
            ["cluster down", "cluster down-unreachable", "cluster join", "cluster leave", "job cancel", "job pause", "job priority", "job resume", "node drain", "node quarantine", "node release", "node revoke"],
            mutating);
    }

    [Fact]
    public void The_help_lists_every_palette_and_marks_the_commands_that_need_the_token()
    {
        var help = AllPalettes.HelpLines(null).ToList();
        var cluster = AllPalettes.HelpLines("cluster").ToList();

        foreach (var palette in new[] { "cluster:", "cluster-sharding:", "actor:", "log:", "job:", "node:", "shards:", "checkpoint:" })
        {
            Assert.Contains(palette, help);
        }

        Assert.Contains(cluster, l => l.Contains("cluster down -a|--address ADDRESS", StringComparison.Ordinal) && l.EndsWith("[needs token]", StringComparison.Ordinal));
        Assert.Contains(help, l => l.Contains("job priority -j|--job ID -p|--priority N", StringComparison.Ordinal) && l.EndsWith("[needs token]", StringComparison.Ordinal));
        Assert.Contains(help, l => l.Contains("node drain -a|--address ADDRESS", StringComparison.Ordinal) && l.EndsWith("[needs token]", StringComparison.Ordinal));
        Assert.Contains(help, l => l.TrimStart().StartsWith("job queue ", StringComparison.Ordinal) && !l.EndsWith("[needs token]", StringComparison.Ordinal));
        Assert.DoesNotContain(cluster, l => l.StartsWith("job:", StringComparison.Ordinal));
        Assert.Throws<CommandUsageException>(() => AllPalettes.HelpLines("jobs").ToList());
    }

    [Theory]
    [InlineData("show", "show", 0)]
    [InlineData("shwo", "show", 2)]
    [InlineData("", "abc", 3)]
    [InlineData("kitten", "sitting", 3)]
    public void The_edit_distance_counts_insertions_deletions_and_substitutions(string a, string b, int distance) =>
        Assert.Equal(distance, Suggestions.Distance(a, b));
}
