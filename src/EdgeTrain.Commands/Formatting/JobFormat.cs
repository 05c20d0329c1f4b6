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

    /// <summary>One job of <c>job list</c>.</summary>
    public static string JobLine(JobStatus s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return string.Create(Invariant,
            $"{s.JobId} | {State(s.State)} | {s.ElapsedSeconds:0} s | {s.Samples:N0} samples | accuracy {s.Accuracy:P2} | loss {s.Loss:0.000} | {s.Updates:N0} updates");
    }

    /// <summary>A state as a word: running, paused, cancelled, timed-out …</summary>
    public static string State(JobState state) => state switch
    {
        JobState.TimedOut => "timed-out",
        _ => state.ToString().ToLowerInvariant(),
    };

    /// <summary>The lines of <c>job show</c>: status, trainers, slices per node, the audit (when given) and the latest events.</summary>
    public static IEnumerable<string> JobDetail(JobStatus s, UpdateAudit? audit, int events = 10)
    {
        ArgumentNullException.ThrowIfNull(s);
        yield return $"Job: {s.JobId}";
        yield return $"State: {State(s.State)}";
        yield return string.Create(Invariant, $"Elapsed: {s.ElapsedSeconds:0.0} s");
        yield return string.Create(Invariant, $"Accuracy: {s.Accuracy:P2}");
        yield return string.Create(Invariant, $"Loss: {s.Loss:0.0000}");
        yield return string.Create(Invariant, $"Samples: {s.Samples:N0} ({s.SamplesPerSecond:N0}/s)");
        yield return string.Create(Invariant, $"Updates: {s.Updates:N0} acknowledged");
        yield return string.Create(Invariant, $"Sent: {s.BytesSent / 1e6:0.0} MB");
        if (audit is not null)
        {
            yield return audit.Problem is null
                ? string.Create(Invariant, $"Audit: {audit.Acknowledged:N0} acknowledged updates, {audit.Lost} lost")
                : $"Audit: not available ({audit.Problem})";
        }

        if (s.Message is not null)
        {
            // why a job failed, was cancelled or timed out; what one that starts waits for
            yield return $"{(s.Finished && s.State != JobState.Completed ? "Reason" : "Message")}: {s.Message}";
        }

        yield return $"Trainers: {s.Trainers.Count}";
        foreach (var t in s.Trainers)
        {
            yield return string.Create(Invariant, $"  {t.Node} | {t.Region} | {t.Samples:N0} samples | {t.Contributions:N0} contributions | loss {t.Loss:0.000}");
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

    /// <summary>One node of <c>node list</c>: address, region, roles, capabilities, slices hosted, last contribution.</summary>
    public static string NodeLine(NodeActivity node, int slices, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(node);
        return string.Create(Invariant,
            $"{node.Address} | {node.Region} | {ClusterFormat.Roles(node.Roles)} | {CapabilityScore.Describe(node.Capabilities)} | {slices} slices | last contribution {Ages.Ago(node.LastContributionUtc, nowUtc)} ({node.Contributions:N0} in all)");
    }

    /// <summary>One checkpoint of <c>checkpoint list</c>.</summary>
    public static string CheckpointLine(CheckpointInfo c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return string.Create(Invariant,
            $"checkpoint {c.Id} | {c.TakenUtc:yyyy-MM-dd HH:mm:ss}Z | {c.Label ?? "(no label)"} | versions [{string.Join(",", c.Slices.Select(s => s.Version))}] | {c.TotalFloats:N0} floats | crc32c {c.ContentHash:x8}");
    }
}
