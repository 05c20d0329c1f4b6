using static EdgeTrain.Actors.Aggregation.AggregationProtocol;
using static EdgeTrain.Actors.Jobs.JobProtocol;
using static EdgeTrain.Actors.Parameters.ParameterProtocol;

namespace EdgeTrain.Actors.Gateway;

/// <summary>
/// What a device may send into the cluster, and which messages carry which job. A device gets the trainer
/// role only: pulls to the shards; contributions and work units to the aggregators; progress, failures and
/// privacy leases to the coordinator, in its own name. Anything else (an operator's command, another node's
/// progress, a message for another job than its envelope says) is refused with the reason. Pure.
/// </summary>
public static class DeviceMessages
{
    /// <summary>Why the gateway refuses <paramref name="envelope"/> from device <paramref name="device"/> (its address); null: it may pass.</summary>
    public static string? Refusal(DeviceEnvelope envelope, string device)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var (job, node) = envelope.Message switch
        {
            PullSlice m when envelope.Route == DeviceRoute.Shards => (m.JobId, null),
            Contribution m when envelope.Route == DeviceRoute.Aggregators => (m.JobId, null),
            RequestUnit m when envelope.Route == DeviceRoute.Aggregators => (m.JobId, null),
            UnitResult m when envelope.Route == DeviceRoute.Aggregators => (m.JobId, null),
            TrainerProgress m when envelope.Route == DeviceRoute.Coordinator => (m.JobId, m.Node),
            TrainerFailed m when envelope.Route == DeviceRoute.Coordinator => (m.JobId, m.Node),
            LeasePrivacy m when envelope.Route == DeviceRoute.Coordinator => (m.JobId, (string?)m.Node),
            _ => ((string?)null, (string?)null),
        };
        if (job is null)
        {
            return $"a {envelope.Message.GetType().Name} for the {envelope.Route.ToString().ToLowerInvariant()} is not something a trainer sends";
        }

        if (!string.Equals(job, envelope.JobId, StringComparison.Ordinal))
        {
            return $"a {envelope.Message.GetType().Name} of job {job} in an envelope of job {envelope.JobId}";
        }

        return node is not null && !string.Equals(node, device, StringComparison.Ordinal)
            ? $"a {envelope.Message.GetType().Name} in the name of {node}, not of {device}"
            : null;
    }

    /// <summary>The job a message between a trainer and the cluster belongs to (null: none that a device exchanges).</summary>
    public static string? JobOf(object message) => message switch
    {
        IShardMessage m => m.JobId,
        IAggregatorMessage m => m.JobId,
        TrainerProgress m => m.JobId,
        TrainerFailed m => m.JobId,
        LeasePrivacy m => m.JobId,
        StartTraining m => m.JobId,
        StopTraining m => m.JobId,
        _ => null,
    };
}
