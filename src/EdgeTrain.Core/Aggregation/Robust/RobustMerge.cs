using System.Numerics.Tensors;

namespace EdgeTrain.Core.Aggregation.Robust;

/// <summary>
/// The merge rules of one round of a region's contributions (whole updates, every slice
/// concatenated), as pure functions over spans: the norm bound first, then the rule
/// (<see cref="AggregationRuleKind"/>). The mean, Multi-Krum's average and centered clipping weigh
/// contributions by their samples; the coordinate-wise median and trimmed mean count each contribution
/// once (a weighted median would let one trainer that claims many samples decide it). Each verdict
/// says whether the contribution counted: Multi-Krum leaves out the ones it does not select; for the
/// other robust rules, which use every contribution in some coordinates, a contribution counts as left
/// out when its distance to the merged update is more than <see cref="OutlierFactor"/> times the
/// round's median distance — the distance that made the rule discount it, recorded for reputation.
/// Before the rule, the norm floor (<see cref="AggregationRule.MinNormRatio"/>) leaves out the
/// contributions too small to be work, as long as enough remain for the rule; those are outliers too.
/// </summary>
public static class RobustMerge
{
    /// <summary>How many times the round's median distance to the merged update makes a contribution an outlier.</summary>
    public const double OutlierFactor = 3.0;

    /// <summary>Merges one round by <paramref name="rule"/>.</summary>
    /// <exception cref="ArgumentException">the round is empty, its contributions differ in length, hold non-finite values or non-positive weights, or the rule cannot work on this many.</exception>
    public static RoundResult Merge(IReadOnlyList<RoundContribution> round, AggregationRule rule)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(rule);
        Validate(round, rule);
        if (rule.MinNormRatio <= 0)
        {
            return MergeByRule(round, rule);
        }

        var norms = round.Select(c => (double)TensorPrimitives.Norm<float>(c.Values)).ToArray();
        var floor = rule.MinNormRatio * Median(norms);
        var kept = Enumerable.Range(0, round.Count).Where(i => !(norms[i] < floor)).ToArray();
        // a round left with too few for the rule is merged whole: the floor never makes a rule unusable
        if (kept.Length == round.Count || kept.Length < rule.MinimumContributions || rule.ProblemWith(kept.Length) is not null)
        {
            return MergeByRule(round, rule);
        }

        var merged = MergeByRule([.. kept.Select(i => round[i])], rule);
        var verdicts = new ContributionVerdict[round.Count];
        for (var k = 0; k < kept.Length; k++)
        {
            verdicts[kept[k]] = merged.Verdicts[k];
        }

        for (var i = 0; i < round.Count; i++)
        {
            verdicts[i] ??= new ContributionVerdict(
                round[i].Source, false, 0, 1, Distance(round[i].Values, merged.Merged), 0,
                $"its norm {norms[i]:G4} is below {rule.MinNormRatio}× the round's median norm {floor / rule.MinNormRatio:G4}: too small to be work (a free rider's update)")
            {
                Outlier = true,
            };
        }

        return new RoundResult(merged.Merged, verdicts);
    }

    private static RoundResult MergeByRule(IReadOnlyList<RoundContribution> round, AggregationRule rule)
    {
        var n = round.Count;
        var (vectors, clip) = ClipNorms(round, rule);
        var weights = round.Select(c => c.Weight).ToArray();
        float[] merged;
        var scores = new double[n];
        bool[]? selected = null;
        double[]? kept = null;
        switch (rule.Kind)
        {
            case AggregationRuleKind.TrimmedMean:
                (merged, kept) = TrimmedMean(vectors, (int)Math.Floor(rule.Beta * n));
                break;
            case AggregationRuleKind.Median:
                (merged, kept) = TrimmedMean(vectors, (n - 1) / 2);
                break;
            case AggregationRuleKind.MultiKrum:
                (merged, selected, scores) = MultiKrum(vectors, weights, rule.F, rule.M == 0 ? n - rule.F : rule.M);
                break;
            case AggregationRuleKind.CenteredClip:
                (merged, scores) = CenteredClip(vectors, weights, rule.Tau, rule.Iterations);
                break;
            default:
                merged = WeightedMean(vectors, weights, null);
                break;
        }

        var distances = vectors.Select(v => Distance(v, merged)).ToArray();
        var limit = OutlierFactor * Median(distances);
        var scoreLimit = OutlierFactor * Median(scores);
        var verdicts = new ContributionVerdict[n];
        for (var i = 0; i < n; i++)
        {
            var (included, reason) = rule.Kind switch
            {
                AggregationRuleKind.Mean => (true, (string?)null),
                AggregationRuleKind.MultiKrum => selected![i]
                    ? (true, null)
                    : (false, $"not among the {(rule.M == 0 ? n - rule.F : rule.M)} of {n} that multi-krum selected (score {scores[i]:G4}, {OutlierFactor}× the round's median score is {scoreLimit:G4})"),
                _ => distances[i] <= limit || limit == 0
                    ? (true, null)
                    : (false, $"{rule.Name}: its distance {distances[i]:G4} to the merged update is over {OutlierFactor}× the round's median {limit / OutlierFactor:G4}"),
            };
            verdicts[i] = new ContributionVerdict(round[i].Source, included, kept?[i] ?? (included ? 1 : 0), clip[i], distances[i], scores[i], reason)
            {
                Outlier = !included && (rule.Kind != AggregationRuleKind.MultiKrum || scores[i] > scoreLimit),
            };
        }

        return new RoundResult(merged, verdicts);
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count; 0 for none).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static void Validate(IReadOnlyList<RoundContribution> round, AggregationRule rule)
    {
        if (round.Count == 0)
        {
            throw new ArgumentException("a round needs at least one contribution", nameof(round));
        }

        var length = round[0].Values.Length;
        foreach (var c in round)
        {
            if (c.Values.Length != length)
            {
                throw new ArgumentException($"{c.Source} sent {c.Values.Length} values, {round[0].Source} {length}", nameof(round));
            }

            if (!(c.Weight > 0) || !double.IsFinite(c.Weight))
            {
                throw new ArgumentException($"{c.Source}: weight {c.Weight}; expected a positive number of samples", nameof(round));
            }

            if (!TensorPrimitives.IsFiniteAll<float>(c.Values))
            {
                throw new ArgumentException($"{c.Source}: the update holds a value that is not finite", nameof(round));
            }
        }

        var problem = rule.Problem() ?? (rule.Kind == AggregationRuleKind.MultiKrum ? rule.ProblemWith(round.Count) : null);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(rule));
        }
    }

    // each contribution scaled down to the bound (absolute, or relative to the round's median norm); copies only what it scales
    private static (float[][] Vectors, double[] Factors) ClipNorms(IReadOnlyList<RoundContribution> round, AggregationRule rule)
    {
        var vectors = round.Select(c => c.Values).ToArray();
        var factors = Enumerable.Repeat(1.0, round.Count).ToArray();
        if (rule.Clip == ClipNormKind.None)
        {
            return (vectors, factors);
        }

        var norms = vectors.Select(v => (double)TensorPrimitives.Norm<float>(v)).ToArray();
        var bound = rule.Clip == ClipNormKind.Absolute ? rule.ClipNorm : rule.ClipNorm * Median(norms);
        for (var i = 0; i < vectors.Length; i++)
        {
            if (norms[i] > bound && norms[i] > 0)
            {
                factors[i] = bound / norms[i];
                var scaled = new float[vectors[i].Length];
                TensorPrimitives.Multiply(vectors[i], (float)factors[i], scaled);
                vectors[i] = scaled;
            }
        }

        return (vectors, factors);
    }

    private static float[] WeightedMean(float[][] vectors, double[] weights, bool[]? only)
    {
        var sum = new float[vectors[0].Length];
        double total = 0;
        for (var i = 0; i < vectors.Length; i++)
        {
            if (only is null || only[i])
            {
                total += weights[i];
            }
        }

        for (var i = 0; i < vectors.Length; i++)
        {
            if (only is null || only[i])
            {
                TensorPrimitives.MultiplyAdd(vectors[i], (float)(weights[i] / total), sum, sum);
            }
        }

        return sum;
    }

    // per coordinate: drop the `trim` smallest and largest values, average the rest; with trim = (n − 1) / 2
    // that is the median (the middle value, or the mean of the middle two). Also each contribution's
    // fraction of coordinates where its value was kept.
    private static (float[] Merged, double[] Kept) TrimmedMean(float[][] vectors, int trim)
    {
        var n = vectors.Length;
        var d = vectors[0].Length;
        var merged = new float[d];
        var keptCount = new long[n];
        var order = new int[n];
        var column = new float[n];
        for (var j = 0; j < d; j++)
        {
            for (var i = 0; i < n; i++)
            {
                column[i] = vectors[i][j];
                order[i] = i;
            }

            // ties broken by index: the same inputs always trim the same contributions
            Array.Sort(order, (a, b) => column[a].CompareTo(column[b]) is var c && c != 0 ? c : a.CompareTo(b));
            double sum = 0;
            for (var k = trim; k < n - trim; k++)
            {
                sum += column[order[k]];
                keptCount[order[k]]++;
            }

            merged[j] = (float)(sum / (n - (2 * trim)));
        }

        return (merged, [.. keptCount.Select(k => d == 0 ? 1 : (double)k / d)]);
    }

    private static (float[] Merged, bool[] Selected, double[] Scores) MultiKrum(float[][] vectors, double[] weights, int f, int m)
    {
        var n = vectors.Length;
        var squared = new double[n, n];
        for (var a = 0; a < n; a++)
        {
            for (var b = a + 1; b < n; b++)
            {
                var d = Distance(vectors[a], vectors[b]);
                squared[a, b] = squared[b, a] = d * d;
            }
        }

        var neighbours = Math.Max(1, n - f - 2);
        var scores = new double[n];
        for (var a = 0; a < n; a++)
        {
            scores[a] = Enumerable.Range(0, n).Where(b => b != a).Select(b => squared[a, b]).Order().Take(neighbours).Sum();
        }

        var selected = new bool[n];
        foreach (var i in Enumerable.Range(0, n).OrderBy(i => scores[i]).ThenBy(i => i).Take(Math.Clamp(m, 1, n)))
        {
            selected[i] = true;
        }

        return (WeightedMean(vectors, weights, selected), selected, scores);
    }

    // the merged update and each contribution's clip factor in the last iteration (1: not clipped)
    private static (float[] Merged, double[] Factors) CenteredClip(float[][] vectors, double[] weights, double tau, int iterations)
    {
        var (v, _) = TrimmedMean(vectors, (vectors.Length - 1) / 2);
        var total = weights.Sum();
        var difference = new float[v.Length];
        var step = new float[v.Length];
        var factors = new double[vectors.Length];
        for (var l = 0; l < iterations; l++)
        {
            Array.Clear(step);
            for (var i = 0; i < vectors.Length; i++)
            {
                TensorPrimitives.Subtract(vectors[i], v, difference);
                var norm = (double)TensorPrimitives.Norm<float>(difference);
                factors[i] = norm > tau ? tau / norm : 1;
                TensorPrimitives.MultiplyAdd(difference, (float)(weights[i] / total * factors[i]), step, step);
            }

            TensorPrimitives.Add(v, step, v);
        }

        return (v, factors);
    }

    private static double Distance(float[] a, float[] b) => TensorPrimitives.Distance<float>(a, b);
}
