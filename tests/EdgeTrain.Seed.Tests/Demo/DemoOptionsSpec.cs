using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core;
using EdgeTrain.Seed.Demo;
using EdgeTrain.Tests;

namespace EdgeTrain.Seed.Tests.Demo;

/// <summary>The demo's command line, its check of the jobs' names, and where its outputs go.</summary>
public sealed class DemoOptionsSpec : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    internal static string JobFile(TempFolder temp, string file, string name, int priority = 0, string extra = "")
    {
        var path = temp.File(file);
        File.WriteAllText(path, $$"""
            job {
              name = {{name}}
              model { type = mlp, hidden = [32] }
              data.path = "{{RepoPaths.Mnist.Replace("\\", "/", StringComparison.Ordinal)}}"
              optimizer { type = adam, learning-rate = 0.002 }
              batch-size = 64
              max-epochs = 2
              target-accuracy = 0.9
              priority = {{priority}}
              {{extra}}
            }
            """);
        return path;
    }

    [Fact]
    public void One_job_parses_as_it_always_has_and_keeps_the_run_folder_and_its_outputs_where_they_were()
    {
        var options = DemoOptions.Parse(["--nodes", "4", "--job", "jobs/a,b.conf", "--json", "--chaos", "kill-busiest-at=15s"]);
        var spec = JobSpecReader.Load(JobFile(temp, "one.conf", "mnist-mlp"));

        Assert.Equal(["jobs/a,b.conf"], options.JobPaths); // a path is never split at commas
        Assert.Equal(4, options.Nodes);
        Assert.Equal(2, options.Regions);
        Assert.True(options.Json);
        Assert.NotNull(options.Chaos);
        Assert.Null(options.CmdPort);
        Assert.Null(options.DashboardPort); // 9111 when free
        Assert.Equal(Path.GetFullPath(Path.Combine("runs", "mnist-mlp")), options.RunFolder([spec]));
        Assert.Equal("/r", DemoOptions.JobFolder("/r", "mnist-mlp-1", 1));
    }

    [Fact]
    public void Chaos_kill_mid_round_is_a_plan_of_its_own_and_takes_no_value()
    {
        var plan = DemoOptions.Parse(["--nodes", "5", "--job", "a.conf", "--chaos", "kill-mid-round"]).Chaos!;

        Assert.True(plan.KillMidRound);
        Assert.False(plan.KillDue(TimeSpan.FromHours(1), 0)); // it kills on what a log says, never on a time
        var refused = Assert.Throws<InvalidInputException>(() => DemoOptions.Parse(["--nodes", "5", "--job", "a.conf", "--chaos", "kill-mid-round=3s"]));
        Assert.Contains("kill-mid-round", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Chaos_kill_split_server_is_a_plan_of_its_own_and_takes_no_value()
    {
        var plan = DemoOptions.Parse(["--nodes", "3", "--job", "a.conf", "--chaos", "kill-split-server"]).Chaos!;

        Assert.True(plan.KillSplitServer);
        Assert.False(plan.KillMidRound);
        Assert.False(plan.KillDue(TimeSpan.FromHours(1), 0)); // it kills the node that a log names, not the busiest on a timer
        var refused = Assert.Throws<InvalidInputException>(() => DemoOptions.Parse(["--nodes", "3", "--job", "a.conf", "--chaos", "kill-split-server=3s"]));
        Assert.Contains("kill-split-server", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_jobs_are_kept_in_order_and_each_gets_its_own_folder_in_the_run_folder()
    {
        var options = DemoOptions.Parse(["--job", "low.conf", "--job=high.conf", "--nodes", "2", "--cmd-port", "0", "--dashboard-port", "0", "--out", "runs/two"]);
        var low = JobSpecReader.Load(JobFile(temp, "low.conf", "low", priority: -2));
        var high = JobSpecReader.Load(JobFile(temp, "high.conf", "high", priority: 7));

        Assert.Equal(["low.conf", "high.conf"], options.JobPaths);
        Assert.Equal(0, options.CmdPort);
        Assert.Equal(0, options.DashboardPort);
        Assert.False(options.Json);
        Assert.Equal(Path.GetFullPath("runs/two"), options.RunFolder([low, high]));
        Assert.Equal(Path.GetFullPath(Path.Combine("runs", "low+high")), (options with { Out = null }).RunFolder([low, high]));
        Assert.Equal(Path.Combine("/r", "high-2"), DemoOptions.JobFolder("/r", "high-2", 2));
        Assert.Equal((-2, 7), (low.Priority, high.Priority));
    }

    [Fact]
    public void Two_files_with_one_job_name_are_refused_before_anything_starts()
    {
        var first = JobFile(temp, "a.conf", "same");
        var second = JobFile(temp, "b.conf", "same", priority: 3);
        var jobs = new[] { first, second }.Select(p => (p, JobSpecReader.Load(p))).ToList();

        var e = Assert.Throws<InvalidInputException>(() => DemoOptions.CheckNames(jobs));

        Assert.Contains(second, e.Message, StringComparison.Ordinal);
        Assert.Contains("job.name", e.Message, StringComparison.Ordinal);
        Assert.Contains(first, e.Message, StringComparison.Ordinal);
        DemoOptions.CheckNames(jobs.Take(1).ToList());
    }

    [Theory]
    [InlineData(new[] { "--nodes", "3" }, "--job: missing")]
    [InlineData(new[] { "--job", "a.conf", "--nodes", "0" }, "--nodes: expected a whole number from 1 to 64")]
    [InlineData(new[] { "--job", "a.conf", "--priority", "3" }, "--priority: unknown option")]
    [InlineData(new[] { "--job", "a.conf", "extra" }, "extra: unexpected argument")]
    public void Misuse_names_the_switch(string[] args, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => DemoOptions.Parse(args));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_job_files_priority_and_reservation_are_read()
    {
        var spec = JobSpecReader.Load(JobFile(temp, "r.conf", "reserved", priority: 5, extra: "min-trainers = 2\nmax-trainers = 3"));

        Assert.Equal((5, 2, 3), (spec.Priority, spec.MinTrainers, spec.MaxTrainers));
    }

    [Fact]
    public void Adversaries_name_how_many_of_the_nodes_attack_and_how()
    {
        var options = DemoOptions.Parse(["--nodes", "10", "--job", "a.conf", "--adversaries", "3:scale=-10"]);
        var honest = DemoOptions.Parse(["--nodes", "10", "--job", "a.conf"]);

        Assert.Equal(3, options.Attackers);
        Assert.Equal(new Core.Adversaries.Adversary(Core.Adversaries.AdversaryMode.Scale, -10), options.Attack);
        Assert.Equal(0, honest.Attackers);
        Assert.Null(honest.Attack);
    }

    [Theory]
    [InlineData("3", "expected K:MODE")]
    [InlineData("x:nan", "expected K:MODE")]
    [InlineData("0:nan", "expected K from 1 to the 10 node(s)")]
    [InlineData("11:nan", "expected K from 1 to the 10 node(s)")]
    [InlineData("3:flip", "expected one of sign-flip, scale=X, nan, noise=SIGMA, zero, label-flip, drop-mid-round, found 'flip'")]
    [InlineData("3:", "expected a MODE")]
    public void A_bad_adversaries_switch_is_refused_with_what_is_expected(string value, string problem)
    {
        var refused = Assert.Throws<InvalidInputException>(() => DemoOptions.Parse(["--nodes", "10", "--job", "a.conf", "--adversaries", value]));

        Assert.Contains("--adversaries", refused.Message, StringComparison.Ordinal);
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
    }
}
