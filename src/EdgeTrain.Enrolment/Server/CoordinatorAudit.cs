using Akka.Actor;
using EdgeTrain.Actors.Jobs;

namespace EdgeTrain.Enrolment.Server;

/// <summary>Records enrolments in the cluster's audit log: <see cref="AuditProtocol.AppendAudit"/> to the job coordinator.</summary>
public static class CoordinatorAudit
{
    /// <summary>
    /// A recorder for <see cref="EnrolmentDesk"/> that asks <paramref name="coordinator"/> (the proxy to the
    /// JobCoordinator singleton) to append each entry and waits up to <paramref name="timeout"/>: null when
    /// the entry is in the journal, else why not.
    /// </summary>
    public static Func<EnrolmentRecord, CancellationToken, Task<string?>> Recorder(IActorRef coordinator, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        return async (entry, cancellation) =>
        {
            var append = new AuditProtocol.AppendAudit(entry.Who, entry.Action, entry.NodeId, entry.Detail);
            try
            {
                return await coordinator.Ask<object>(append, timeout, cancellation).ConfigureAwait(false) switch
                {
                    AuditProtocol.AuditRecorded => null,
                    AuditProtocol.AuditRefused refused => $"the coordinator refused the entry: {refused.Reason}",
                    var other => $"the coordinator answered {other.GetType().Name}",
                };
            }
            catch (AskTimeoutException)
            {
                return $"no answer from the job coordinator within {timeout.TotalSeconds:0} s";
            }
        };
    }
}
