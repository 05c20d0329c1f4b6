using System.Globalization;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Membership;
using static EdgeTrain.Actors.Jobs.CheckpointProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Commands.Formatting;

/// <summary>Lines of the EdgeTrain palettes: jobs, nodes, slices and checkpoints.</summary>
public static class JobFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A shared-data job's redundant execution in words: replicas computed per unit applied, the extra compute overall and once nodes are trusted.</summary>
    public static string Votes(Core.Redundancy.VoteCounts votes)
    {
        ArgumentNullException.ThrowIfNull(votes);
        return string.Create(Invariant, $"{votes.Computed:N0} replicas computed for {votes.Applied:N0} units applied (extra compute {Percent(votes.ExtraCompute)}); ")
            + string.Create(Invariant, $"trusted nodes' units {votes.SettledComputed:N0} for {votes.SettledApplied:N0} (extra {Percent(votes.SettledExtraCompute)}); {votes.Inconclusive} inconclusive, {votes.Abandoned} abandoned");

        static string Percent(double? fraction) => fraction is { } f ? string.Create(Invariant, $"{f:P1}") : "n/a";
    }

    /// <summary>What a job is scored by now: its test accuracy, or a language model's validation bits per character.</summary>
    public static string Score(JobStatus s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return !s.Language ? string.Create(Invariant, $"accuracy {s.Accuracy:P2}")
            : double.IsNaN(s.BitsPerCharacter) ? "bits/char n/a" : string.Create(Invariant, $"{s.BitsPerCharacter:0.000} bits/char");
    }

    /// <summary>One job of <c>job list</c>.</summary>
    public static string JobLine(JobStatus s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return string.Create(Invariant,
            $"{s.JobId} | {State(s.State)} | {s.ElapsedSeconds:0} s | {s.Samples:N0} samples | {Score(s)} | loss {s.Loss:0.000} | {s.Updates:N0} updates | priority {s.Priority}");
    }

    /// <summary>Generated text on one line: line breaks shown as ⏎, other control characters dropped.</summary>
    public static string OneLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.Concat(text.Select(c => c == '\n' ? "⏎" : char.IsControl(c) ? "" : c.ToString()));
    }

    /// <summary>A state as a word: running, paused, cancelled, timed-out …</summary>
    public static string State(JobState state) => state switch
    {
        JobState.TimedOut => "timed-out",
        _ => state.ToString().ToLowerInvariant(),
    };

    /// <summary>Trainers held against a job's reservation: <c>2/1/4</c> (held/min/max; max <c>any</c> for a job that takes every free one).</summary>
    public static string Trainers(int held, int min, int max) =>
        string.Create(Invariant, $"{held}/{min}/{(max == 0 ? "any" : max.ToString(Invariant))}");

    /// <summary>
    /// Why a job waits, or null when it does not: for a queued, preempted or starting job the
    /// scheduler's reason from its <paramref name="entry"/> in the queue, else the job's own message.
    /// </summary>
    public static string? Waiting(JobStatus s, QueueEntry? entry)
    {
        ArgumentNullException.ThrowIfNull(s);
        return s.State is JobState.Queued or JobState.Preempted or JobState.Starting ? entry?.Reason ?? s.Message : null;
    }

    /// <summary>
    /// The lines of <c>job queue</c>: a table of the unfinished jobs in the scheduler's order of service
    /// (position, job, priority, state, trainers held/min/max, submitted, why it waits), the trainer
    /// slots in all and free, and the count.
    /// </summary>
    public static IEnumerable<string> QueueLines(JobQueue queue, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(queue);
        if (queue.Jobs.Length > 0)
        {
            string[] header = ["#", "JOB", "PRIORITY", "STATE", "TRAINERS", "SUBMITTED", "WAITING"];
            var rows = queue.Jobs.OrderBy(j => j.Position).Select(j => new[]
            {
                j.Position.ToString(Invariant),
                j.JobId,
                j.Priority.ToString(Invariant),
                State(j.State),
                Trainers(j.Trainers, j.MinTrainers, j.MaxTrainers),
                Ages.Ago(j.SubmittedUtc, nowUtc),
                j.Reason ?? "",
            }).ToList();
            bool[] right = [true, false, true, false, false, false, false];
            var widths = header.Select((h, c) => Math.Max(h.Length, rows.Max(r => r[c].Length))).ToArray();
            foreach (var row in rows.Prepend(header))
            {
                var cells = row.Select((text, c) => c == row.Length - 1 ? text : right[c] ? text.PadLeft(widths[c]) : text.PadRight(widths[c]));
                yield return string.Join("  ", cells).TrimEnd();
            }
        }

        yield return string.Create(Invariant, $"Slots: {queue.TotalSlots} trainer slots, {queue.FreeSlots} free");
        yield return $"Count: {queue.Jobs.Length} unfinished {(queue.Jobs.Length == 1 ? "job" : "jobs")}";
    }

    /// <summary>The answer to <c>job priority</c>: the job, its priority now and what the scheduler did about it.</summary>
    public static string PrioritySet(JobPrioritySet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var priority = string.Create(Invariant, $"{set.JobId}: priority {set.Priority}");
        return string.IsNullOrWhiteSpace(set.Message) ? priority : $"{priority}; {set.Message}";
    }

    /// <summary>The answer to <c>node drain</c>: the node, what the coordinator said, and the jobs it still trains.</summary>
    public static IEnumerable<string> Draining(NodeDraining draining)
    {
        ArgumentNullException.ThrowIfNull(draining);
        yield return string.IsNullOrWhiteSpace(draining.Message) ? $"Draining {draining.Address}" : $"Draining {draining.Address}: {draining.Message}";
        yield return draining.Jobs.Length == 0
            ? "No job trains there: it takes no new trainer"
            : $"Still training there until they end or move: {string.Join(", ", draining.Jobs)}";
    }

    /// <summary>The lines of <c>job show</c>: status, trainers, slices per node, the audit (when given) and the latest events.</summary>
    /// <param name="s">The job's status.</param>
    /// <param name="audit">The audit of its acknowledged updates, when asked for.</param>
    /// <param name="entry">Its entry in the scheduler's queue (null for a finished job, or when the queue did not answer).</param>
    /// <param name="events">How many of the latest events to show.</param>
    public static IEnumerable<string> JobDetail(JobStatus s, UpdateAudit? audit, QueueEntry? entry = null, int events = 10)
    {
        ArgumentNullException.ThrowIfNull(s);
        yield return $"Job: {s.JobId}";
        yield return $"State: {State(s.State)}";
        yield return string.Create(Invariant, $"Priority: {s.Priority}");
        yield return string.Create(Invariant, $"Reservation: min {s.MinTrainers}, max {(s.MaxTrainers == 0 ? "any" : s.MaxTrainers.ToString(Invariant))} trainers");
        if (entry is not null)
        {
            yield return string.Create(Invariant, $"Queue: position {entry.Position}, {entry.Trainers} trainers held");
        }

        var waiting = Waiting(s, entry);
        if (waiting is not null)
        {
            yield return $"Waiting: {waiting}";
        }

        yield return string.Create(Invariant, $"Elapsed: {s.ElapsedSeconds:0.0} s");
        if (s.Language)
        {
            yield return double.IsNaN(s.BitsPerCharacter)
                ? "Bits per character: not evaluated yet"
                : string.Create(Invariant, $"Bits per character: {s.BitsPerCharacter:0.000} (perplexity {Math.Pow(2, s.BitsPerCharacter):0.00}){(s.TargetLoss > 0 ? $", target {s.TargetLoss:0.000}" : "")}");
            if (s.PartitionBits.Count > 0)
            {
                yield return "Held-out text of each partition: " + string.Join(", ", s.PartitionBits.Select((b, p) => string.Create(Invariant, $"{p} {b:0.000}"))) + " bits per character";
            }

            if (s.Sample is { } sample)
            {
                yield return $"Sample: {OneLine(sample)}";
            }
        }
        else
        {
            yield return string.Create(Invariant, $"Accuracy: {s.Accuracy:P2}");
        }
        yield return string.Create(Invariant, $"Loss: {s.Loss:0.0000}");
        yield return string.Create(Invariant, $"Samples: {s.Samples:N0} ({s.SamplesPerSecond:N0}/s)");
        yield return string.Create(Invariant, $"Updates: {s.Updates:N0} acknowledged");
        yield return string.Create(Invariant, $"Sent: {s.BytesSent / 1e6:0.0} MB");
        if (s.Votes is { } votes)
        {
            yield return $"Votes: {Votes(votes)}";
        }

        if (s.Privacy is { } privacy)
        {
            yield return $"Privacy: {privacy.Describe()}";
        }

        if (s.SecureAggregation is { } secure)
        {
            yield return $"Secure aggregation: {secure.Describe()}";
        }

        if (s.Split is { } split)
        {
            // the trainers' bytes received are the activations' gradients (and the U-shape's server output) and their pulls
            yield return string.Create(Invariant,
                $"Split: data nodes run the layers up to {split.CutAfter}{(split.Labels == SplitLabels.Client ? " and the last with the loss" : "")}, the split-server the rest{(split.Labels == SplitLabels.Server ? " and the loss" : "")}; activations as {split.Codec.Kind.ToString().ToLowerInvariant()}; received {s.Trainers.Sum(t => t.BytesPulled) / 1e6:0.0} MB");
        }

        if (audit is not null)
        {
            yield return audit.Problem is null
                ? string.Create(Invariant, $"Audit: {audit.Acknowledged:N0} acknowledged updates, {audit.Lost} lost")
                : $"Audit: not available ({audit.Problem})";
        }

        if (s.Message is not null && s.Message != waiting)
        {
            // why a job failed, was cancelled or timed out; what one that starts waits for
            yield return $"{(s.Finished && s.State != JobState.Completed ? "Reason" : "Message")}: {s.Message}";
        }

        if (s.TrainersOverTime.Count > 0)
        {
            var changes = s.TrainersOverTime.TakeLast(12).Select(c => string.Create(Invariant, $"{c.Seconds:0.0} s: {c.Trainers}"));
            yield return $"Trainers over time: {(s.TrainersOverTime.Count > 12 ? "… " : "")}{string.Join(", ", changes)}";
        }

        yield return $"Trainers: {s.Trainers.Count}";
        foreach (var t in s.Trainers)
        {
            yield return string.Create(Invariant, $"  {t.Node} | {t.Region} | {t.Samples:N0} samples | {t.Contributions:N0} contributions | loss {t.Loss:0.000}{(t.PeakBytes > 0 ? $" | peak {t.PeakBytes / 1e6:0} MB" : "")}");
        }

        yield return $"Slices per node: {s.SlicesPerNode.Count}";
        foreach (var (node, count) in s.SlicesPerNode.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            yield return string.Create(Invariant, $"  {node} | {count} slices");
        }

        var latest = s.Events.TakeLast(events).ToList();
        if (latest.Count > 0)
        {
            yield return $"Events (latest {latest.Count} of {s.Events.Count}):";
            foreach (var e in latest)
            {
                yield return "  " + e;
            }
        }
    }

    /// <summary>One slice of <c>shards list</c>: slice, node, version, last update.</summary>
    public static string SliceLine(SliceHealth slice, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(slice);
        return string.Create(Invariant,
            $"slice {slice.Slice} | {slice.Node ?? "(not placed yet)"} | version {slice.Version} | updated {Ages.Ago(slice.LastUpdatedUtc, nowUtc)} | answered {Ages.Ago(slice.LastAnsweredUtc, nowUtc)}");
    }

    /// <summary>One node of <c>node list</c>: address, region, roles, capabilities, slices hosted, last contribution, the jobs it trains, its reputation score (and the certificate's node it belongs to), then <c>draining</c> and <c>QUARANTINED</c> where so.</summary>
    public static string NodeLine(NodeActivity node, int slices, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(node);
        return string.Create(Invariant,
            $"{node.Address} | {node.Region} | {ClusterFormat.Roles(node.Roles)} | {CapabilityScore.Describe(node.Capabilities)} | {slices} slices | last contribution {Ages.Ago(node.LastContributionUtc, nowUtc)} ({node.Contributions:N0} in all){(node.Jobs.Length > 0 ? " | jobs " + string.Join(", ", node.Jobs) : "")} | reputation {node.Reputation:0.00}{(node.Identity != node.Address ? " of " + node.Identity : "")}{(node.Draining ? " | draining" : "")}{(node.Quarantined ? " | QUARANTINED" : "")}");
    }

    /// <summary>One checkpoint of <c>checkpoint list</c>.</summary>
    public static string CheckpointLine(CheckpointInfo c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return string.Create(Invariant,
            $"checkpoint {c.Id} | {c.TakenUtc:yyyy-MM-dd HH:mm:ss}Z | {c.Label ?? "(no label)"} | versions [{string.Join(",", c.Slices.Select(s => s.Version))}] | {c.TotalFloats:N0} floats | crc32c {c.ContentHash:x8}");
    }
}
