using Akka.Actor;
using EdgeTrain.Actors.Membership;
using EdgeTrain.Actors.Serialization;
using EdgeTrain.Core.Jobs;

namespace EdgeTrain.Actors.Jobs;

/// <summary>Messages of the JobCoordinator (cluster singleton on the seed role) and its clients.</summary>
public static class JobProtocol
{
    /// <summary>Submits a validated job; answered by <see cref="JobAccepted"/> or <see cref="JobRejected"/>.</summary>
    public sealed record SubmitJob(JobSpec Spec) : IEdgeTrainMessage;

    /// <summary>The job was accepted and is starting under <paramref name="JobId"/>.</summary>
    public sealed record JobAccepted(string JobId) : IEdgeTrainMessage;

    /// <summary>The job was refused; nothing started.</summary>
    public sealed record JobRejected(string JobId, string Reason) : IEdgeTrainMessage;

    /// <summary>Asks for the status of one job, or of the newest job when <paramref name="JobId"/> is null.</summary>
    public sealed record GetJobStatus(string? JobId) : IEdgeTrainMessage;

    /// <summary>Asks for the status of every job.</summary>
    public sealed record ListJobs : IEdgeTrainMessage
    {
        /// <summary>The single instance.</summary>
        public static readonly ListJobs Instance = new();

        private ListJobs()
        {
        }
    }

    /// <summary>Answer to <see cref="GetJobStatus"/> when the coordinator knows no such job.</summary>
    public sealed record JobUnknown(string? JobId) : IEdgeTrainMessage;

    /// <summary>Answer to <see cref="ListJobs"/>.</summary>
    public sealed record JobList(IReadOnlyList<JobStatus> Jobs) : IEdgeTrainMessage
    {
        /// <summary>The jobs, as a plain array on the wire.</summary>
        public IReadOnlyList<JobStatus> Jobs { get; init; } = Jobs?.ToArray() ?? Array.Empty<JobStatus>();
    }

    /// <summary>
    /// Starts a job's trainer on a node: it trains on the data partitions <paramref name="Assigned"/>
    /// (of <paramref name="Partitions"/>) and contributes to its region's aggregator. Sent again
    /// with other partitions when a trainer node drops out and its partitions move to this one.
    /// <paramref name="Regions"/>: the job's regions, each sending one merged update per round
    /// (what a trainer waits for with <c>aggregation.wait-for-merge</c>). <paramref name="VoteRegion"/>: for a
    /// shared-data job with redundancy, the region whose aggregator hands out the job's work units and votes
    /// on them (one for the whole job, so that every replica of a unit computes from the same model).
    /// </summary>
    public sealed record StartTraining(string JobId, JobSpec Spec, int[] Assigned, int Partitions, string Region, int[] SliceLengths, IActorRef Coordinator, int Regions = 1, string? VoteRegion = null) : IEdgeTrainMessage
    {
        /// <summary>With DP-SGD: what the examples of <see cref="Assigned"/> have spent already (other trainers trained them before); the trainer's accountant starts there.</summary>
        public Core.Privacy.PrivacySpent? PriorPrivacy { get; init; }
    }

    /// <summary>
    /// A DP-SGD trainer asks for <paramref name="Steps"/> more steps on its <paramref name="Partitions"/>
    /// (whose examples have spent <paramref name="Spent"/> by its own account; each step samples them at
    /// <paramref name="SamplingRate"/>). Answered by <see cref="PrivacyLeaseGranted"/> once the coordinator has
    /// persisted the reservation; 0 steps: the budget is spent.
    /// </summary>
    public sealed record LeasePrivacy(string JobId, string Node, int[] Partitions, Core.Privacy.PrivacySpent Spent, double SamplingRate, int Steps) : IEdgeTrainMessage;

    /// <summary>The answer to <see cref="LeasePrivacy"/>: the trainer may take <paramref name="Steps"/> more DP-SGD steps (0: none; the job ends).</summary>
    public sealed record PrivacyLeaseGranted(string JobId, int Steps) : IEdgeTrainMessage;

    /// <summary>Stops a job's trainer on a node.</summary>
    public sealed record StopTraining(string JobId) : IEdgeTrainMessage;

    /// <summary>
    /// A trainer's running totals, sent every few seconds and when it stops: <paramref name="BytesSent"/>
    /// counts its encoded contributions, <paramref name="BytesPulled"/> the slices and changes it pulled;
    /// <paramref name="BusySeconds"/> its time training, <paramref name="PullSeconds"/> its time waiting for
    /// pull rounds. <paramref name="RoundTripMs"/> is the shortest round trip to the parameter shards the
    /// trainer measured since its previous report (the previous report's value when it measured none; 0
    /// before the first): the time from a <c>PullSlice</c> to its <c>SliceUnchanged</c>, a reply without
    /// payload, so it is the link's and the shard's latency rather than the bandwidth), not taken for a
    /// slice asked again on a pull timeout (see <see cref="EdgeTrain.Actors.Training.PullRound"/>).
    /// </summary>
    public sealed record TrainerProgress(
        string JobId, string Node, string Region, long Samples, double Loss, long Contributions, long BytesSent, double BusySeconds, double PullSeconds, long BytesPulled = 0,
        double RoundTripMs = 0) : IEdgeTrainMessage
    {
        /// <summary>With DP-SGD: what its partitions have spent, and whether it stopped at the job's target ε (null without DP).</summary>
        public Core.Privacy.PrivacyReport? Privacy { get; init; }

        /// <summary>The trainer's process's peak resident bytes (0: not reported).</summary>
        public long PeakBytes { get; init; }
    }

    /// <summary>
    /// A trainer could not start (or take on new partitions) on its node: the job's data or model
    /// cannot be loaded there. The coordinator moves its partitions to the other trainers, and fails
    /// the job with the reasons when no trainer is left.
    /// </summary>
    public sealed record TrainerFailed(string JobId, string Node, string Reason) : IEdgeTrainMessage;

    /// <summary>
    /// An aggregator's running totals, sent to the coordinator every second while they change;
    /// <paramref name="AckedContiguous"/> holds, per slice, the sequence number up to which the
    /// shard has acknowledged every merged update of this aggregator incarnation.
    /// </summary>
    public sealed record AggregatorProgress(
        string JobId, string Region, string AggregatorId, long MergedSent, long Acknowledged, long BytesSent, long[] AckedContiguous) : IEdgeTrainMessage
    {
        /// <summary>
        /// What the aggregator saw of each trainer node (by address) since its previous report: contributions
        /// its rule used or left out, and contributions it refused; empty under the plain mean, which
        /// uses every valid contribution and refuses only malformed ones.
        /// </summary>
        public Dictionary<string, Core.Reputation.ReputationDelta> Observed { get; init; } = [];

        /// <summary>Why the rule left each node out, the latest time it did (node address → reason with the distance).</summary>
        public Dictionary<string, string> LeftOutBecause { get; init; } = [];

        /// <summary>A shared-data job's redundant execution in this region so far (null: no votes): replicas computed, units applied.</summary>
        public Core.Redundancy.VoteCounts? Votes { get; init; }

        /// <summary>A job with secure aggregation: this aggregator's secure rounds so far (null: none).</summary>
        public Core.Privacy.SecureAggregation.SecureAggregationCounts? SecureAggregation { get; init; }
    }

    /// <summary>Asks the coordinator to compare every acknowledged merged update with what the shards hold now.</summary>
    public sealed record AuditUpdates(string JobId) : IEdgeTrainMessage;

    /// <summary>The audit: merged updates acknowledged as durable, and how many of them no shard holds.</summary>
    public sealed record UpdateAudit(string JobId, long Acknowledged, long Lost, string? Problem) : IEdgeTrainMessage;

    /// <summary>Asks where each slice of a job lives and when it last answered.</summary>
    public sealed record GetSliceHealth(string JobId) : IEdgeTrainMessage;

    /// <summary>One slice's home node, version and the last time it answered the coordinator's check.</summary>
    public sealed record SliceHealth(int Slice, string? Node, long Version, DateTime LastAnsweredUtc) : IEdgeTrainMessage
    {
        /// <summary>When the coordinator's check first saw the slice at its current version (MinValue: not yet).</summary>
        public DateTime LastUpdatedUtc { get; init; } = DateTime.MinValue;
    }

    /// <summary>
    /// Answer to <see cref="GetSliceHealth"/>, with the coordinator's recent <paramref name="Members"/>
    /// changes (unreachable, process gone, downed, removed; oldest first), so that a loss can be timed
    /// from its detection to its slices answering again.
    /// </summary>
    public sealed record SliceHealthReport(string JobId, SliceHealth[] Slices, DateTime NowUtc, MembershipProtocol.MemberChange[] Members) : IEdgeTrainMessage;

    /// <summary>
    /// Pauses, resumes or cancels a job (<c>edgetrain-cmd job pause|resume|cancel</c>); <paramref name="By"/>
    /// says who asked, for the coordinator's log and journal. Answered by <see cref="JobControlled"/>,
    /// <see cref="JobControlRefused"/> or <see cref="JobUnknown"/>.
    /// </summary>
    public sealed record ControlJob(string JobId, JobControl Action, string By) : IEdgeTrainMessage;

    /// <summary>The job is now in <paramref name="State"/>.</summary>
    public sealed record JobControlled(string JobId, JobControl Action, JobState State, string Message) : IEdgeTrainMessage;

    /// <summary>The job cannot take the action in its state; <paramref name="Reason"/> says why.</summary>
    public sealed record JobControlRefused(string JobId, JobControl Action, string Reason) : IEdgeTrainMessage;

    /// <summary>Asks for the scheduler's queue: every job that is not finished, in the order the scheduler serves them; answered by <see cref="JobQueue"/>.</summary>
    public sealed record GetJobQueue : IEdgeTrainMessage
    {
        /// <summary>The single instance.</summary>
        public static readonly GetJobQueue Instance = new();

        private GetJobQueue()
        {
        }
    }

    /// <summary>
    /// One unfinished job as the scheduler sees it: its place in the order of service (1 first:
    /// highest priority, then oldest), the trainers it holds against its reservation, and why it
    /// waits when it does.
    /// </summary>
    public sealed record QueueEntry(
        int Position, string JobId, int Priority, JobState State, int Trainers, int MinTrainers, int MaxTrainers, DateTime SubmittedUtc, string? Reason) : IEdgeTrainMessage;

    /// <summary>Answer to <see cref="GetJobQueue"/>, in the order of service; <paramref name="FreeSlots"/> trainer slots hold no job now.</summary>
    public sealed record JobQueue(QueueEntry[] Jobs, int TotalSlots, int FreeSlots) : IEdgeTrainMessage;

    /// <summary>
    /// Sets a job's priority (<c>edgetrain-cmd job priority -j ID -p N</c>); the scheduler acts on it at
    /// once. Answered by <see cref="JobPrioritySet"/>, <see cref="JobControlRefused"/> (a finished job)
    /// or <see cref="JobUnknown"/>.
    /// </summary>
    public sealed record SetJobPriority(string JobId, int Priority, string By) : IEdgeTrainMessage;

    /// <summary>The job's priority is now <paramref name="Priority"/>; <paramref name="Message"/> says what the scheduler did about it.</summary>
    public sealed record JobPrioritySet(string JobId, int Priority, string Message) : IEdgeTrainMessage;
}
