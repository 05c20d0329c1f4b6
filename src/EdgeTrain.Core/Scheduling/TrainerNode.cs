namespace EdgeTrain.Core.Scheduling;

/// <summary>
/// A registered node as the scheduler sees it: its region, whether it hosts trainers and how many
/// jobs it trains at once (its slots), its score from the start-up probe, and whether it hosts
/// parameter shards and aggregators (a job needs both somewhere before it can start).
/// </summary>
public sealed record TrainerNode(string Address, string Region, bool Trains, int Slots, double ProbeScore, bool HostsParams, bool HostsAggregator);
