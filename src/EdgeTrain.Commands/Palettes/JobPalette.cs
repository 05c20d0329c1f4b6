using EdgeTrain.Actors.Jobs;
using EdgeTrain.Commands.Formatting;
using EdgeTrain.Commands.Parsing;
using EdgeTrain.Core.Jobs;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Commands.Palettes;

/// <summary>
/// EdgeTrain's <c>job</c> palette, through the JobCoordinator: list and show jobs and the scheduler's
/// queue; pause, resume and cancel one, or change its priority (these need the token).
/// </summary>
public static class JobPalette
{
    /// <summary>The <c>-j|--job ID</c> switch.</summary>
    public static readonly SwitchSpec Job = new("-j", "--job", "ID", "the job's id, as 'job list' shows it", Required: true);

    /// <summary>The lowest priority a job can have (as in a job file's <c>priority</c>).</summary>
    public const int MinPriority = -1_000_000;

    /// <summary>The highest priority a job can have.</summary>
    public const int MaxPriority = 1_000_000;

    /// <summary>The <c>-p|--priority N</c> switch of <c>job priority</c>.</summary>
    public static readonly SwitchSpec Priority = new("-p", "--priority", "N", "the new priority, a whole number (may be negative); higher is served first", Required: true);

    private static readonly TimeSpan AuditTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The palette's commands.</summary>
    public static IEnumerable<PaletteCommand> Commands =>
    [
        new(new("job list", "every job the coordinator knows: state, time, samples, accuracy, loss, updates, priority", []), List),
        new(new("job show", "one job in detail: priority, reservation, why it waits, totals, trainers, slices per node, the audit of acknowledged updates, latest events", [Job]), Show),
        new(new("job queue", "the scheduler's queue in order of service: position, job, priority, state, trainers held/min/max, why it waits; trainer slots in all and free", []), Queue),
        new(new("job pause", "stops the job's trainers and keeps its slices; its time limit stops counting", [Job], Mutating: true), (c, x) => Control(c, x, JobControl.Pause), RecordedByCoordinator: true),
        new(new("job resume", "starts the trainers of a paused job again from the slices' current values", [Job], Mutating: true), (c, x) => Control(c, x, JobControl.Resume), RecordedByCoordinator: true),
        new(new("job cancel", "ends the job for good (state cancelled); its trainers stop", [Job], Mutating: true), (c, x) => Control(c, x, JobControl.Cancel), RecordedByCoordinator: true),
        new(new("job priority", "sets a job's priority; the scheduler acts on it at once (a higher one may preempt lower ones, a lower one may be preempted)", [Job, Priority], Mutating: true), SetPriority, RecordedByCoordinator: true),
    ];

    private static async Task<int> List(ParsedCommand command, CommandContext context)
    {
        if (await context.Ask(context.Coordinator, ListJobs.Instance, "the job coordinator").ConfigureAwait(false) is not JobList list)
        {
            throw new CommandFailedException("unexpected answer from the job coordinator");
        }

        foreach (var job in list.Jobs)
        {
            await context.Line(JobFormat.JobLine(job)).ConfigureAwait(false);
        }

        await context.Line($"Count: {list.Jobs.Count} jobs").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> Show(ParsedCommand command, CommandContext context)
    {
        var jobId = command.Value("--job")!;
        var status = await context.Ask(context.Coordinator, new GetJobStatus(jobId), "the job coordinator").ConfigureAwait(false) switch
        {
            JobStatus s => s,
            JobUnknown => throw UnknownJob(jobId),
            var other => throw new CommandFailedException($"unexpected answer {other.GetType().Name} from the job coordinator"),
        };
        UpdateAudit? audit;
        try
        {
            audit = await context.Ask(context.Coordinator, new AuditUpdates(jobId), "the job coordinator's audit", AuditTimeout).ConfigureAwait(false) as UpdateAudit;
        }
        catch (CommandFailedException e)
        {
            audit = new UpdateAudit(jobId, 0, 0, e.Message);
        }

        // its place in the scheduler's queue and why it waits; a queue that does not answer leaves them out
        QueueEntry? entry = null;
        if (!status.Finished)
        {
            try
            {
                entry = (await context.Ask(context.Coordinator, GetJobQueue.Instance, "the job coordinator's queue").ConfigureAwait(false) as JobQueue)?.Jobs.FirstOrDefault(j => j.JobId == status.JobId);
            }
            catch (CommandFailedException)
            {
                entry = null;
            }
        }

        foreach (var line in JobFormat.JobDetail(status, audit, entry))
        {
            await context.Line(line).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private static async Task<int> Control(ParsedCommand command, CommandContext context, JobControl action)
    {
        var jobId = command.Value("--job")!;
        var answer = await context.Ask(context.Coordinator, new ControlJob(jobId, action, $"edgetrain-cmd ({context.Peer})"), "the job coordinator").ConfigureAwait(false);
        switch (answer)
        {
            case JobControlled done:
                await context.Line(done.Message).ConfigureAwait(false);
                return ExitCodes.Success;
            case JobControlRefused refused:
                throw new CommandFailedException(refused.Reason);
            case JobUnknown:
                throw UnknownJob(jobId);
            default:
                throw new CommandFailedException($"unexpected answer {answer.GetType().Name} from the job coordinator");
        }
    }

    private static async Task<int> Queue(ParsedCommand command, CommandContext context)
    {
        if (await context.Ask(context.Coordinator, GetJobQueue.Instance, "the job coordinator").ConfigureAwait(false) is not JobQueue queue)
        {
            throw new CommandFailedException("unexpected answer from the job coordinator");
        }

        foreach (var line in JobFormat.QueueLines(queue, DateTime.UtcNow))
        {
            await context.Line(line).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private static async Task<int> SetPriority(ParsedCommand command, CommandContext context)
    {
        var jobId = command.Value("--job")!;
        var priority = command.Int("--priority", 0, MinPriority, MaxPriority);
        var answer = await context.Ask(context.Coordinator, new SetJobPriority(jobId, priority, $"edgetrain-cmd ({context.Peer})"), "the job coordinator").ConfigureAwait(false);
        switch (answer)
        {
            case JobPrioritySet set:
                await context.Line(JobFormat.PrioritySet(set)).ConfigureAwait(false);
                return ExitCodes.Success;
            case JobControlRefused refused:
                throw new CommandFailedException(refused.Reason);
            case JobUnknown:
                throw UnknownJob(jobId);
            default:
                throw new CommandFailedException($"unexpected answer {answer.GetType().Name} from the job coordinator");
        }
    }

    /// <summary>The failure for a job id the coordinator does not know.</summary>
    public static CommandFailedException UnknownJob(string jobId) => new($"no job '{jobId}' on this cluster; 'job list' shows the jobs");
}
