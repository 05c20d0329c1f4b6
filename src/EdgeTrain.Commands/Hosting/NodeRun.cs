using EdgeTrain.Actors.Hosting;

namespace EdgeTrain.Commands.Hosting;

/// <summary>
/// The life of one node in a program (<c>edgetrain-node</c>, <c>edgetrain seed</c>): it runs until its
/// ActorSystem terminates by itself (downed, or told to leave by <c>edgetrain-cmd cluster leave</c>) or
/// until the program is told to stop (<see cref="StopSignals"/>), when it stops the node with
/// <see cref="EdgeTrainNode.StopAsync"/>. Either way the node's command host is disposed.
/// </summary>
public static class NodeRun
{
    /// <summary>
    /// Runs <paramref name="node"/>, with its command host <paramref name="host"/> (or none), until it ends.
    /// Returns how the stop ended it when <paramref name="stop"/> was cancelled, or null when the node
    /// ended by itself; says on <paramref name="output"/>, as <paramref name="program"/>, how it stopped.
    /// </summary>
    public static async Task<NodeStopOutcome?> RunAsync(EdgeTrainNode node, CommandHost? host, string program, TextWriter output, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (stop.Register(() => stopping.TrySetResult()))
            {
                await Task.WhenAny(node.WhenTerminated, stopping.Task).ConfigureAwait(false);
            }

            if (!stop.IsCancellationRequested)
            {
                return null;
            }

            var outcome = await node.StopAsync().ConfigureAwait(false);
            await output.WriteLineAsync(outcome switch
            {
                NodeStopOutcome.Left => $"{program} {node.Address}: left the cluster",
                NodeStopOutcome.NotMember => $"{program} {node.Address}: stopped; it had not joined a cluster",
                NodeStopOutcome.NobodyReachable => $"{program} {node.Address}: stopped; no other member was reachable to take its leave in",
                NodeStopOutcome.Downed => $"{program} {node.Address}: stopped; the cluster downed it while it was leaving",
                NodeStopOutcome.LeaveTimedOut => $"{program} {node.Address}: stopped; the leave did not complete within {node.Settings.LeaveTimeout.TotalSeconds:0} s",
                _ => $"{program} {node.Address}: stopped",
            }).ConfigureAwait(false);
            return outcome;
        }
        finally
        {
            if (host is not null)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
