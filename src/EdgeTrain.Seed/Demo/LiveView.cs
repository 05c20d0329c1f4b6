using System.Globalization;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Membership;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Seed.Demo;

/// <summary>
/// The demo's live view: on a terminal it redraws one block (members and roles, slices per node,
/// samples/s, loss, test accuracy) every second; with redirected output it prints one line per
/// update instead, so logs stay readable.
/// </summary>
internal sealed class LiveView(TextWriter output, bool redirected)
{
    private int drawnLines;

    public void Note(string text)
    {
        drawnLines = 0;
        output.WriteLine(text);
    }

    public void Show(JobStatus status, IReadOnlyList<NodeInfo> nodes)
    {
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{status.JobId} {status.State} {status.ElapsedSeconds,6:0.0}s  {status.Samples,9:N0} samples  {status.SamplesPerSecond,8:N0}/s  loss {status.Loss,6:0.000}  accuracy {status.Accuracy,7:P2}  updates {status.Updates,6}  {status.BytesSent / 1e6,8:0.0} MB{(status.State == JobState.Starting && status.Message is { } waiting ? "  " + waiting : "")}");
        if (redirected)
        {
            output.WriteLine(summary);
            return;
        }

        var lines = new List<string> { summary };
        foreach (var node in nodes)
        {
            var trainer = status.Trainers.FirstOrDefault(t => t.Node == node.Address);
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"  {node.Address,-34} {node.Region,-9} [{string.Join(",", node.Roles),-24}] slices {status.SlicesPerNode.GetValueOrDefault(node.Address),3}  samples {trainer?.Samples ?? 0,9:N0}  {CapabilityScore.Describe(node.Capabilities)}"));
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
}
