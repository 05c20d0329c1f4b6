using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Commands.Formatting;
using EdgeTrain.Commands.Palettes;
using EdgeTrain.Core;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Seed.Cli;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// The researcher's client commands against a running cluster, through a seed's receptionist:
/// <c>submit JOB.conf --seed HOST:PORT [--priority N] [--wait] [--json]</c> and
/// <c>status --seed HOST:PORT [--job ID] [--json]</c>.
/// </summary>
internal static class ClusterCommands
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    // the queue is extra: a coordinator that does not answer it in this time leaves it out
    private static readonly TimeSpan QueueTimeout = TimeSpan.FromSeconds(5);

    /// <summary>JSON as the other commands print it: camelCase names, enums as their names, NaN as "NaN".</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // a loss is NaN before the first report
    };

    public static async Task<int> SubmitAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken stop)
    {
        var line = CommandLine.Parse(args, ["--seed", "--priority", .. ClientSecurityOption.Options], ["--wait", "--json", .. ClientSecurityOption.Switches]);
        line.AllowPositionals(1, "submit JOB.conf --seed HOST:PORT " + ClientSecurityOption.Usage + " [--priority N] [--wait] [--json]");
        var jobPath = line.Positionals.Count == 1 ? line.Positionals[0] : throw new InvalidInputException("command line", "JOB.conf", "missing; expected the path of a job file");
        var spec = WithPriority(JobSpecReader.Load(jobPath), line);
        var seeds = Seeds(line);
        await using var client = EdgeTrainClient.Connect(seeds, ClientSecurityOption.Resolve(line, error));
        var answer = await Ask(client, new SubmitJob(spec), seeds).ConfigureAwait(false);
        switch (answer)
        {
            case JobRejected rejected:
                error.WriteLine($"edgetrain: job {rejected.JobId} rejected: {rejected.Reason}");
                return SeedCli.Failure;
            case JobAccepted accepted:
                // the job id stays the last word: scripts take it from there
                output.WriteLine(line.Option("--priority") is null ? $"submitted {spec.Name} as {accepted.JobId}" : $"submitted {spec.Name} with priority {spec.Priority} as {accepted.JobId}");
                if (!line.Flag("--wait"))
                {
                    return SeedCli.Success;
                }

                var status = await WatchAsync(client, accepted.JobId, seeds, s => output.WriteLine(Describe(s)), stop).ConfigureAwait(false);
                if (line.Flag("--json"))
                {
                    output.WriteLine(JsonSerializer.Serialize(status, Json));
                }

                if (status.Finished && status.State != JobState.Completed)
                {
                    error.WriteLine($"edgetrain: job {status.JobId} {status.State}: {status.Message ?? "the coordinator gave no reason"}");
                }

                return status.State == JobState.Completed ? SeedCli.Success : SeedCli.Failure;
            default:
                error.WriteLine($"edgetrain: unexpected answer {answer.GetType().Name}");
                return SeedCli.Failure;
        }
    }

    public static async Task<int> StatusAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var line = CommandLine.Parse(args, ["--seed", "--job", .. ClientSecurityOption.Options], ["--json", .. ClientSecurityOption.Switches]);
        line.AllowPositionals(0, "status --seed HOST:PORT " + ClientSecurityOption.Usage + " [--job ID] [--json]");
        var seeds = Seeds(line);
        await using var client = EdgeTrainClient.Connect(seeds, ClientSecurityOption.Resolve(line, error));
        var job = line.Option("--job");
        var answer = await Ask(client, job is null ? ListJobs.Instance : new GetJobStatus(job), seeds).ConfigureAwait(false);
        IReadOnlyList<JobStatus> jobs = answer switch
        {
            JobList list => list.Jobs,
            JobStatus status => [status],
            JobUnknown => throw new InvalidInputException("command line", "--job", $"no job '{job}' on this cluster"),
            _ => [],
        };
        var queue = jobs.Any(j => !j.Finished) ? await TryQueueAsync(client).ConfigureAwait(false) : null;
        if (line.Flag("--json"))
        {
            output.WriteLine(QueueReport.StatusJson(jobs, queue, Json));
        }
        else if (jobs.Count == 0)
        {
            output.WriteLine("no jobs");
        }
        else
        {
            foreach (var status in jobs)
            {
                output.WriteLine(Describe(status));
            }

            if (queue is not null)
            {
                foreach (var text in QueueReport.StatusLines(queue, job is null ? null : [job]))
                {
                    output.WriteLine(text);
                }
            }
            else if (jobs.Any(j => !j.Finished))
            {
                output.WriteLine($"queue: no answer from the coordinator within {QueueTimeout.TotalSeconds:0} s");
            }
        }

        return SeedCli.Success;
    }

    /// <summary>
    /// <paramref name="spec"/> with the priority of <c>--priority N</c> when given (a whole number from
    /// <see cref="JobPalette.MinPriority"/> to <see cref="JobPalette.MaxPriority"/>), else as the job file says.
    /// </summary>
    /// <exception cref="InvalidInputException">the value is not such a number.</exception>
    public static JobSpec WithPriority(JobSpec spec, CommandLine line) =>
        line.Option("--priority") is null ? spec : spec with { Priority = line.Int("--priority", spec.Priority, JobPalette.MinPriority, JobPalette.MaxPriority) };

    /// <summary>The scheduler's queue, or null when the coordinator does not answer it within a few seconds.</summary>
    public static async Task<JobQueue?> TryQueueAsync(EdgeTrainClient client)
    {
        try
        {
            return await client.Ask(GetJobQueue.Instance, QueueTimeout).ConfigureAwait(false) as JobQueue;
        }
        catch (Exception e) when (e is Akka.Actor.AskTimeoutException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Polls a job's status every second until it finishes; reports each one.</summary>
    public static async Task<JobStatus> WatchAsync(EdgeTrainClient client, string jobId, IReadOnlyList<string> seeds, Action<JobStatus> report, CancellationToken stop)
    {
        while (true)
        {
            var answer = await Ask(client, new GetJobStatus(jobId), seeds).ConfigureAwait(false);
            if (answer is JobStatus status)
            {
                report(status);
                if (status.Finished || stop.IsCancellationRequested)
                {
                    return status;
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1), stop).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>Asks the coordinator through the client; a cluster that does not answer is a usage error naming the seeds.</summary>
    public static async Task<object> Ask(EdgeTrainClient client, object message, IReadOnlyList<string> seeds)
    {
        try
        {
            return await client.Ask(message, AskTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Akka.Actor.AskTimeoutException or TaskCanceledException)
        {
            throw new InvalidInputException("command line", "--seed", $"no answer from the cluster at {string.Join(", ", seeds)} within {AskTimeout.TotalSeconds:0} s");
        }
    }

    public static string Describe(JobStatus s) => string.Create(CultureInfo.InvariantCulture,
        $"{s.JobId} {s.State}: {s.ElapsedSeconds:0}s, {s.Samples:N0} samples ({s.SamplesPerSecond:N0}/s), loss {s.Loss:0.000}, {JobFormat.Score(s)}, {s.Updates} updates, {s.BytesSent / 1e6:0.0} MB sent, priority {s.Priority}{(s.Privacy is { } privacy ? ", " + privacy.Describe() : "")}{(s.SecureAggregation is { } secure ? ", " + secure.Describe() : "")}{(s.Message is null ? "" : "; " + s.Message)}");

    public static IReadOnlyList<string> Seeds(CommandLine line)
    {
        var seeds = line.Options("--seed");
        if (seeds.Count == 0)
        {
            throw new InvalidInputException("command line", "--seed", "missing; expected a seed node as HOST:PORT");
        }

        foreach (var seed in seeds)
        {
            ClusterConfigBuilder.SeedAddress(seed);
        }

        return seeds;
    }
}
