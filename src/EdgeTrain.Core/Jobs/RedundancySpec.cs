namespace EdgeTrain.Core.Jobs;

/// <summary>
/// Redundant execution of a shared-data job (<c>job.redundancy</c>): each work unit goes to
/// <paramref name="Replicas"/> nodes that are not trusted yet (an odd number, so that a strict majority
/// always decides between two results), to one node alone when it is trusted, and then, at
/// <paramref name="SpotCheckRate"/>, to one other node as well to check it.
/// </summary>
/// <param name="Replicas">Copies of a unit for a node that is not trusted (1, 3, 5, …).</param>
/// <param name="SpotCheckRate">Fraction in [0, 1] of a trusted node's units that another node computes too.</param>
public sealed record RedundancySpec(int Replicas = 3, double SpotCheckRate = 0.1);
