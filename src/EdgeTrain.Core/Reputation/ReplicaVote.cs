using System.Numerics.Tensors;

namespace EdgeTrain.Core.Reputation;

/// <summary>One node's update for a work unit that several nodes computed.</summary>
public sealed record Replica(string Node, float[] Update);

/// <summary>
/// The outcome of a vote: the update accepted (the mean of the majority's updates; null when no strict
/// majority agreed), the nodes in the majority (won) and the others (lost), and, when there was no
/// majority, why.
/// </summary>
public sealed record VoteResult(float[]? Accepted, IReadOnlyList<string> Won, IReadOnlyList<string> Lost, string? Inconclusive);

/// <summary>
/// Majority voting over the replicas of one work unit (the same model version, sample indices, seed and
/// thread count on every replica). Updates computed from the same inputs agree up to floating-point
/// noise, not bit for bit: libtorch's CPU kernels may sum in another order on another machine (vector
/// width, thread count), so two updates agree when their L2 distance is at most
/// <c>tolerance × max(‖a‖, ‖b‖)</c> (relative), or both are below an absolute floor. Replicas are
/// grouped by agreement with each group's first member; a group with more than half of the replicas
/// wins. With no strict majority nothing is accepted and nobody is counted as lost (the unit is
/// inconclusive: a later round checks again).
/// </summary>
public static class ReplicaVote
{
    /// <summary>The default relative tolerance: float32 rounding of a few thousand summed terms stays well below it; an attack does not.</summary>
    public const double DefaultTolerance = 1e-3;

    /// <summary>Votes over <paramref name="replicas"/> (at least one).</summary>
    public static VoteResult Vote(IReadOnlyList<Replica> replicas, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        if (replicas.Count == 0)
        {
            throw new ArgumentException("a vote needs at least one replica", nameof(replicas));
        }

        var groups = new List<List<Replica>>();
        foreach (var replica in replicas)
        {
            if (!TensorPrimitives.IsFiniteAll<float>(replica.Update))
            {
                groups.Add([replica]); // a non-finite update agrees with nothing
                continue;
            }

            var group = groups.FirstOrDefault(g => TensorPrimitives.IsFiniteAll<float>(g[0].Update) && Agree(g[0].Update, replica.Update, tolerance));
            if (group is null)
            {
                groups.Add([replica]);
            }
            else
            {
                group.Add(replica);
            }
        }

        var largest = groups.OrderByDescending(g => g.Count).First();
        if (largest.Count * 2 <= replicas.Count)
        {
            return new VoteResult(null, [], [], $"no majority among {replicas.Count} replicas: {groups.Count} different results of sizes {string.Join(", ", groups.Select(g => g.Count))}");
        }

        var accepted = new float[largest[0].Update.Length];
        foreach (var replica in largest)
        {
            TensorPrimitives.MultiplyAdd(replica.Update, 1f / largest.Count, accepted, accepted);
        }

        return new VoteResult(accepted, [.. largest.Select(r => r.Node)], [.. replicas.Except(largest).Select(r => r.Node)], null);
    }

    /// <summary>Whether two updates of the same inputs agree within <paramref name="tolerance"/> (relative L2).</summary>
    public static bool Agree(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double tolerance = DefaultTolerance)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        var distance = TensorPrimitives.Distance(a, b);
        var scale = Math.Max(TensorPrimitives.Norm(a), TensorPrimitives.Norm(b));
        return distance <= (tolerance * scale) + 1e-12;
    }
}
