using System.Globalization;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Commands.Formatting;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Membership;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Seed.Demo;

/// <summary>
/// The demo's live view: on a terminal it redraws one block every second — a line per job (state,
/// time, samples/s, loss, test accuracy or bits per character, priority, trainers held/min/max, why it waits) and a line
/// per node (region, roles, slices of every job, samples), and under a language model's line the text it
/// wrote at its latest evaluation; with redirected output it prints one line
/// per job and update instead, so logs stay readable.
/// </summary>
internal sealed class LiveView(TextWriter output, bool redirected)
{
    private readonly Dictionary<string, string> samplesShown = new(StringComparer.Ordinal);
    private int drawnLines;

    public void Note(string text)
    {
        drawnLines = 0;
        output.WriteLine(text);
    }

    /// <summary>Shows <paramref name="jobs"/> (in the order they were submitted) with their <paramref name="queue"/> entries, when the queue answered.</summary>
    public void Show(IReadOnlyList<JobStatus> jobs, JobQueue? queue, IReadOnlyList<NodeInfo> nodes)
    {
        var width = jobs.Count == 0 ? 0 : jobs.Max(j => j.JobId.Length);
        if (redirected)
        {
            foreach (var job in jobs)
            {
                output.WriteLine(JobLine(job, queue?.Jobs.FirstOrDefault(e => e.JobId == job.JobId), width));
                // a language model's sample once per evaluation
                if (job.Sample is { } sample && samplesShown.GetValueOrDefault(job.JobId) != sample)
                {
                    samplesShown[job.JobId] = sample;
                    output.WriteLine(SampleLine(sample));
                }
            }

            return;
        }

        var lines = new List<string>();
        foreach (var job in jobs)
        {
            lines.Add(JobLine(job, queue?.Jobs.FirstOrDefault(e => e.JobId == job.JobId), width));
            if (job.Sample is { } sample)
            {
                lines.Add(SampleLine(sample));
            }
        }

        foreach (var node in nodes)
        {
            var slices = jobs.Sum(j => j.SlicesPerNode.GetValueOrDefault(node.Address));
            var samples = jobs.Sum(j => j.Trainers.Where(t => t.Node == node.Address).Sum(t => t.Samples));
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"  {node.Address,-34} {node.Region,-9} [{string.Join(",", node.Roles),-24}] slices {slices,3}  samples {samples,9:N0}  reputation {node.Reputation:0.00}{(node.Quarantined ? " QUARANTINED" : "")}  {CapabilityScore.Describe(node.Capabilities)}"));
        }

        if (drawnLines > 0)
        {
            output.Write($"\u001b[{drawnLines}A");
        }

        foreach (var text in lines)
        {
            output.WriteLine("\u001b[2K" + text);
        }

        drawnLines = lines.Count;
    }

    /// <summary>A language model's latest sample, on one line under its job's.</summary>
    public static string SampleLine(string sample)
    {
        var line = JobFormat.OneLine(sample);
        return "  it writes: " + (line.Length > 110 ? line[..110] + "…" : line);
    }

    /// <summary>
    /// One job's line: id (padded to <paramref name="idWidth"/>), state, training time, samples, samples/s,
    /// loss, accuracy, updates, MB sent, priority, trainers held/min/max, then why it waits (queued,
    /// preempted or starting: the scheduler's reason), is paused, or ended without reaching its target.
    /// </summary>
    public static string JobLine(JobStatus status, QueueEntry? entry, int idWidth = 0)
    {
        ArgumentNullException.ThrowIfNull(status);
        var held = entry?.Trainers ?? (status.TrainersOverTime.Count > 0 ? status.TrainersOverTime[^1].Trainers : status.Trainers.Count);
        var reason = JobFormat.Waiting(status, entry)
            ?? (status.State == JobState.Paused || (status.Finished && status.State != JobState.Completed) ? status.Message : null);
        return string.Create(CultureInfo.InvariantCulture,
            $"{status.JobId.PadRight(idWidth)} {status.State} {status.ElapsedSeconds,6:0.0}s  {status.Samples,9:N0} samples  {status.SamplesPerSecond,8:N0}/s  loss {status.Loss,6:0.000}  {JobFormat.Score(status)}  updates {status.Updates,6}  {status.BytesSent / 1e6,8:0.0} MB  priority {status.Priority}  trainers {JobFormat.Trainers(held, status.MinTrainers, status.MaxTrainers)}{(status.Votes is { ExtraCompute: { } extra } votes ? $"  extra compute {extra:P0} (trusted {(votes.SettledExtraCompute is { } settled ? settled.ToString("P0", CultureInfo.InvariantCulture) : "n/a")})" : "")}{(status.Privacy is { } privacy ? string.Create(CultureInfo.InvariantCulture, $"  ε {privacy.Epsilon:0.00}") : "")}{(status.SecureAggregation is { } secure ? string.Create(CultureInfo.InvariantCulture, $"  secure rounds {secure.Rounds} ({secure.RecoveredDropouts} dropouts recovered, {secure.Aborted} aborted)") : "")}{(reason is null ? "" : "  " + reason)}");
    }
}
