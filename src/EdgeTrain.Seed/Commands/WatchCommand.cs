using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core;
using EdgeTrain.Seed.Cli;
using EdgeTrain.Seed.Demo;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// <c>edgetrain watch --seed HOST:PORT [--job ID] [--interval 1s]</c>: the demo's live view of a running
/// cluster — every job (or one) with its state, priority, trainers and why it waits, and every node —
/// redrawn until the jobs it shows have ended (exit 0 when they all completed, 1 otherwise) or Ctrl-C.
/// </summary>
internal static class WatchCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken stop)
    {
        var line = CommandLine.Parse(args, ["--seed", "--job", "--interval", .. ClientSecurityOption.Options], ClientSecurityOption.Switches);
        line.AllowPositionals(0, "watch --seed HOST:PORT " + ClientSecurityOption.Usage + " [--job ID] [--interval 1s]");
        var seeds = ClusterCommands.Seeds(line);
        var job = line.Option("--job");
        var interval = line.Option("--interval") is { } text ? Duration(text) : TimeSpan.FromSeconds(1);
        await using var client = EdgeTrainClient.Connect(seeds, ClientSecurityOption.Resolve(line, error));
        var live = new LiveView(output, Console.IsOutputRedirected);
        IReadOnlyList<NodeInfo> nodes = [];
        while (!stop.IsCancellationRequested)
        {
            var answer = await ClusterCommands.Ask(client, job is null ? ListJobs.Instance : new GetJobStatus(job), seeds).ConfigureAwait(false);
            IReadOnlyList<JobStatus> jobs = answer switch
            {
                JobList list => list.Jobs,
                JobStatus status => [status],
                JobUnknown => throw new InvalidInputException("command line", "--job", $"no job '{job}' on this cluster"),
                _ => [],
            };
            if (await client.Ask(GetNodes.Instance, TimeSpan.FromSeconds(3)).ConfigureAwait(false) is NodeList known)
            {
                nodes = known.Nodes;
            }

            var queue = jobs.Any(j => !j.Finished) ? await ClusterCommands.TryQueueAsync(client).ConfigureAwait(false) : null;
            live.Show(jobs, queue, nodes);
            if (jobs.Count > 0 && jobs.All(j => j.Finished))
            {
                return jobs.All(j => j.State == Core.Jobs.JobState.Completed) ? SeedCli.Success : SeedCli.Failure;
            }

            await Task.Delay(interval, stop).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        error.WriteLine("edgetrain watch: stopped");
        return SeedCli.Success;
    }

    private static TimeSpan Duration(string text) =>
        Akka.Configuration.ConfigurationFactory.ParseString($"d = {text}").GetTimeSpan("d") is { } d && d > TimeSpan.Zero
            ? d
            : throw new InvalidInputException("command line", "--interval", $"expected a positive duration such as 1s or 500ms, found '{text}'");
}
