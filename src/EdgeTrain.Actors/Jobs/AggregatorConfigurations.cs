using EdgeTrain.Actors.Configuration;
using EdgeTrain.Core.Codecs;
using EdgeTrain.Core.Jobs;
using EdgeTrain.Core.Redundancy;
using EdgeTrain.Core.Scheduling;
using static EdgeTrain.Actors.Aggregation.AggregationProtocol;

namespace EdgeTrain.Actors.Jobs;

/// <summary>What each region's aggregator of a job is told: the job's merge rule and codec for the trainers it holds now.</summary>
public static class AggregatorConfigurations
{
    /// <summary>
    /// One configuration per region of <paramref name="job"/>. With <c>merge-count = trainers</c>, one
    /// merged update per round of the trainers the region holds now. Model deltas (local-steps &gt; 1)
    /// are scaled by the region's share of the trainers: one round's updates of all regions add up to
    /// the average over every trainer, however many regions there are. Every aggregator drops the
    /// contributions of the <paramref name="quarantined"/> node addresses. A shared-data job with redundancy
    /// gets its votes in one region (<see cref="VoteRegion"/>) for all its trainers: one unit a round per
    /// trainer (batch size × local steps samples), at most as many replicas as the job has trainers; the
    /// <paramref name="trusted"/> node addresses work alone.
    /// </summary>
    public static ConfigureAggregator[] For(JobRecord job, IReadOnlyDictionary<string, TrainerNode> nodes, EdgeTrainSettings settings, string[]? quarantined = null, string[]? trusted = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(settings);
        var wire = job.Spec.Wire;
        var voteRegion = VoteRegion(job);
        return [.. job.Regions.Select(region =>
        {
            var trainers = job.Placement.Keys.Count(address => nodes.TryGetValue(address, out var node) && node.Region == region);
            var share = job.Spec.LocalSteps > 1 && trainers > 0 && job.Placement.Count > 0 ? (float)trainers / job.Placement.Count : 1f;
            var spec = job.Spec;
            var all = Math.Max(1, job.Placement.Count);
            var vote = region == voteRegion && spec.Redundancy is { } redundancy
                ? new VoteSettings(redundancy.Replicas, redundancy.SpotCheckRate, all, spec.BatchSize * spec.LocalSteps, spec.Seed, settings.VoteRoundTimeout, all)
                : null;
            share = vote is null ? share : 1f; // the vote's round merges the units of every trainer
            return new ConfigureAggregator(job.JobId, region, job.SliceLengths, wire.MergeCountFor(trainers, settings.MergeCount),
                wire.MergeInterval ?? settings.MergeInterval, wire.AggregatorToShard, wire.ErrorFeedback, share, wire.Rule, quarantined ?? [], vote, vote is null ? null : trusted ?? [])
            {
                SecureRange = spec.Privacy is { SecureAggregation: true } privacy ? privacy.SecureRange : null,
                SecureQuantised = wire.TrainerToAggregator.Kind is CodecKind.Fp16 or CodecKind.Bf16 or CodecKind.Int8,
            };
        })];
    }

    /// <summary>
    /// The region whose aggregator hands out a shared-data job's work units and votes on them (the first of its
    /// regions by name; null: the job has no redundancy). One region for the whole job: the model moves once
    /// a round, so that the replicas of a unit, wherever their trainers are, pull the same version.
    /// </summary>
    public static string? VoteRegion(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Spec.Data.Placement == DataPlacement.Shared && job.Spec.Redundancy is not null ? job.Regions.Order(StringComparer.Ordinal).FirstOrDefault() : null;
    }
}
