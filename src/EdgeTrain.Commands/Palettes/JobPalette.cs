using EdgeTrain.Actors.Jobs;
using EdgeTrain.Commands.Formatting;
using EdgeTrain.Commands.Parsing;
using EdgeTrain.Core.Jobs;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Commands.Palettes;

/// <summary>EdgeTrain's <c>job</c> palette, through the JobCoordinator: list and show jobs; pause, resume and cancel one (with the token).</summary>
public static class JobPalette
{
    /// <summary>The <c>-j|--job ID</c> switch.</summary>
    public static readonly SwitchSpec Job = new("-j", "--job", "ID", "the job's id, as 'job list' shows it", Required: true);

    private static readonly TimeSpan AuditTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The palette's commands.</summary>
    public static IEnumerable<PaletteCommand> Commands =>
    [
        new(new("job list", "every job the coordinator knows: state, time, samples, accuracy, loss, updates", []), List),
        new(new("job show", "one job in detail: totals, trainers, slices per node, the audit of acknowledged updates, latest events", [Job]), Show),
        new(new("job pause", "stops the job's trainers and keeps its slices; its time limit stops counting", [Job], Mutating: true), (c, x) => Control(c, x, JobControl.Pause)),
        new(new("job resume", "starts the trainers of a paused job again from the slices' current values", [Job], Mutating: true), (c, x) => Control(c, x, JobControl.Resume)),
        new(new("job cancel", "ends the job for good (state cancelled); its trainers stop", [Job], Mutating: true), (c, x) => Control(c, x, JobControl.Cancel)),
    ];

    private static async Task<int> List(ParsedCommand command, CommandContext context)
    {
        if (await context.Ask(context.Node.Coordinator, ListJobs.Instance, "the job coordinator").ConfigureAwait(false) is not JobList list)
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
        var status = await context.Ask(context.Node.Coordinator, new GetJobStatus(jobId), "the job coordinator").ConfigureAwait(false) switch
        {
            JobStatus s => s,
            JobUnknown => throw UnknownJob(jobId),
            var other => throw new CommandFailedException($"unexpected answer {other.GetType().Name} from the job coordinator"),
        };
        UpdateAudit? audit;
        try
        {
            audit = await context.Ask(context.Node.Coordinator, new AuditUpdates(jobId), "the job coordinator's audit", AuditTimeout).ConfigureAwait(false) as UpdateAudit;
        }
        catch (CommandFailedException e)
        {
            audit = new UpdateAudit(jobId, 0, 0, e.Message);
        }

        foreach (var line in JobFormat.JobDetail(status, audit))
        {
            await context.Line(line).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private static async Task<int> Control(ParsedCommand command, CommandContext context, JobControl action)
    {
        var jobId = command.Value("--job")!;
        var answer = await context.Ask(context.Node.Coordinator, new ControlJob(jobId, action, $"edgetrain-cmd ({context.Peer})"), "the job coordinator").ConfigureAwait(false);
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

    /// <summary>The failure for a job id the coordinator does not know.</summary>
    public static CommandFailedException UnknownJob(string jobId) => new($"no job '{jobId}' on this cluster; 'job list' shows the jobs");
}
