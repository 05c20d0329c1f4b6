using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Commands.Formatting;
using EdgeTrain.Core.Jobs;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Seed.Commands;

/// <summary>
/// The scheduler's queue as <c>edgetrain status</c> and the seed console print it: the jobs in the order
/// of service with their priority, trainers held against their reservation and why they wait, and each
/// job's place in the queue in <c>status --json</c>.
/// </summary>
internal static class QueueReport
{
    /// <summary>The lines of <c>status</c> after the jobs: the queue's entries for <paramref name="jobs"/> (every one when null), in the order of service.</summary>
    public static IEnumerable<string> StatusLines(JobQueue queue, IReadOnlyCollection<string>? jobs = null)
    {
        var entries = queue.Jobs.Where(j => jobs is null || jobs.Contains(j.JobId)).OrderBy(j => j.Position).ToList();
        if (entries.Count == 0)
        {
            yield break;
        }

        yield return string.Create(CultureInfo.InvariantCulture, $"queue ({queue.TotalSlots} trainer slots, {queue.FreeSlots} free), in order of service:");
        foreach (var entry in entries)
        {
            yield return "  " + Entry(entry);
        }
    }

    /// <summary>One entry: <c>2. small-2 Queued, priority 0, trainers 0/1/any: needs 1 trainer(s) …</c>.</summary>
    public static string Entry(QueueEntry e) => string.Create(CultureInfo.InvariantCulture,
        $"{e.Position}. {e.JobId} {e.State}, priority {e.Priority}, trainers {JobFormat.Trainers(e.Trainers, e.MinTrainers, e.MaxTrainers)}{(e.Reason is null ? "" : ": " + e.Reason)}");

    /// <summary>
    /// The seed console's lines about the queue: a headline, then every job that waits for trainers
    /// (queued or preempted) with its priority and why; nothing when no job waits.
    /// </summary>
    public static IReadOnlyList<string> ConsoleLines(JobQueue queue)
    {
        var waiting = queue.Jobs.Where(j => j.State is JobState.Queued or JobState.Preempted).OrderBy(j => j.Position).ToList();
        if (waiting.Count == 0)
        {
            return [];
        }

        return
        [
            string.Create(CultureInfo.InvariantCulture, $"[queue] {waiting.Count} waiting; {queue.TotalSlots} trainer slots, {queue.FreeSlots} free"),
            .. waiting.Select(e => "[queue] " + Entry(e)),
        ];
    }

    /// <summary>
    /// <c>status --json</c>: the jobs as before (an array of job statuses), each with its place in the
    /// queue (<c>queuePosition</c>) and why it waits (<c>waiting</c>), null when it is not in the queue
    /// or does not wait, or when the queue did not answer.
    /// </summary>
    public static string StatusJson(IReadOnlyList<JobStatus> jobs, JobQueue? queue, JsonSerializerOptions options)
    {
        var array = new JsonArray();
        foreach (var status in jobs)
        {
            var entry = queue?.Jobs.FirstOrDefault(j => j.JobId == status.JobId);
            var node = JsonSerializer.SerializeToNode(status, options)!.AsObject();
            node["queuePosition"] = entry?.Position;
            node["waiting"] = JobFormat.Waiting(status, entry);
            array.Add(node);
        }

        return array.ToJsonString(options);
    }
}
