namespace EdgeTrain.Core.Privacy;

/// <summary>
/// Rényi differential privacy of the subsampled Gaussian mechanism (DP-SGD: each step samples every
/// example with probability q and adds Gaussian noise of σ·C to the sum of clipped gradients), at the
/// integer orders α = 2 … 64, after Mironov, Talwar and Zhang, "Rényi Differential Privacy of the
/// Sampled Gaussian Mechanism" (2019), the computation Opacus and TF-Privacy use for integer orders:
/// <code>
/// A_α = Σ_{k=0..α} C(α,k) (1−q)^(α−k) q^k exp((k² − k) / (2σ²)),   RDP(α) = ln(A_α) / (α − 1)
/// </code>
/// summed in log space, so large orders and small σ do not overflow. RDP composes by addition over
/// steps; <see cref="Epsilon"/> converts to (ε, δ) with the conversion of Balle et al. (2020) that
/// Opacus uses, the smallest over the orders. Pure and immutable: <see cref="Step"/> returns a new
/// accountant.
/// </summary>
public sealed class RdpAccountant
{
    /// <summary>The smallest order.</summary>
    public const int MinOrder = 2;

    /// <summary>The largest order.</summary>
    public const int MaxOrder = 64;

    private readonly double[] rdp; // the composed RDP at order MinOrder + i

    private RdpAccountant(double[] rdp, long steps)
    {
        this.rdp = rdp;
        Steps = steps;
    }

    /// <summary>An accountant that has spent nothing.</summary>
    public static RdpAccountant Empty => new(new double[MaxOrder - MinOrder + 1], 0);

    /// <summary>How many steps it has composed.</summary>
    public long Steps { get; }

    /// <summary>What it has spent, as messages carry it.</summary>
    public PrivacySpent Spent => new(Steps, [.. rdp]);

    /// <summary>The accountant that has spent <paramref name="spent"/>.</summary>
    /// <exception cref="ArgumentException">the RDP vector is not one value per order 2 … 64, or holds a negative or non-finite value.</exception>
    public static RdpAccountant From(PrivacySpent spent)
    {
        ArgumentNullException.ThrowIfNull(spent);
        if (spent.Rdp.Length != MaxOrder - MinOrder + 1 || spent.Rdp.Any(v => !(v >= 0) || double.IsInfinity(v)) || spent.Steps < 0)
        {
            throw new ArgumentException($"expected {MaxOrder - MinOrder + 1} finite, non-negative RDP values and a step count, found {spent.Rdp.Length} values and {spent.Steps} steps", nameof(spent));
        }

        return new RdpAccountant([.. spent.Rdp], spent.Steps);
    }

    /// <summary>
    /// The accountant that bounds both: at each order the larger RDP (what the examples of two partitions
    /// that one trainer now holds have spent at most), and the larger step count.
    /// </summary>
    public RdpAccountant Max(RdpAccountant other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new RdpAccountant([.. rdp.Zip(other.rdp, Math.Max)], Math.Max(Steps, other.Steps));
    }

    /// <summary>The composed RDP at <paramref name="order"/> (2 … 64).</summary>
    /// <exception cref="ArgumentOutOfRangeException">the order is outside 2 … 64.</exception>
    public double RdpAt(int order)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(order, MinOrder);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, MaxOrder);
        return rdp[order - MinOrder];
    }

    /// <summary>
    /// The accountant after <paramref name="steps"/> more steps of the subsampled Gaussian mechanism with
    /// sampling rate <paramref name="samplingRate"/> (0 &lt; q ≤ 1) and noise multiplier
    /// <paramref name="noiseMultiplier"/> (σ &gt; 0).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">q outside (0, 1], σ not positive and finite, or a negative step count.</exception>
    public RdpAccountant Step(double samplingRate, double noiseMultiplier, long steps = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var perStep = PerStep(samplingRate, noiseMultiplier);
        var next = new double[rdp.Length];
        for (var i = 0; i < next.Length; i++)
        {
            next[i] = rdp[i] + (steps * perStep[i]);
        }

        return new RdpAccountant(next, Steps + steps);
    }

    /// <summary>
    /// The ε of (ε, <paramref name="delta"/>)-DP that the composed steps give, and the order that gives it:
    /// min over α of RDP(α) − (ln δ + ln α)/(α − 1) + ln((α − 1)/α) (Balle et al. 2020), never below 0; 0 before any step.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">δ outside (0, 1).</exception>
    public (double Epsilon, int Order) Epsilon(double delta)
    {
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "expected 0 < δ < 1");
        }

        if (Steps == 0)
        {
            return (0, MinOrder); // nothing released yet
        }

        var best = double.PositiveInfinity;
        var bestOrder = MinOrder;
        for (var order = MinOrder; order <= MaxOrder; order++)
        {
            var epsilon = rdp[order - MinOrder] - ((Math.Log(delta) + Math.Log(order)) / (order - 1)) + Math.Log((order - 1.0) / order);
            if (epsilon < best)
            {
                best = epsilon;
                bestOrder = order;
            }
        }

        return (Math.Max(0, best), bestOrder);
    }

    /// <summary>The RDP of one step at every order 2 … 64.</summary>
    /// <exception cref="ArgumentOutOfRangeException">q outside (0, 1], or σ not positive and finite.</exception>
    public static double[] PerStep(double samplingRate, double noiseMultiplier)
    {
        if (!(samplingRate > 0 && samplingRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(samplingRate), samplingRate, "expected a sampling rate 0 < q ≤ 1");
        }

        if (!(noiseMultiplier > 0) || double.IsInfinity(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "expected a positive, finite noise multiplier σ");
        }

        var result = new double[MaxOrder - MinOrder + 1];
        for (var order = MinOrder; order <= MaxOrder; order++)
        {
            result[order - MinOrder] = samplingRate == 1
                ? order / (2 * noiseMultiplier * noiseMultiplier) // the Gaussian mechanism itself
                : LogA(order, samplingRate, noiseMultiplier) / (order - 1);
        }

        return result;
    }

    // ln A_α as a log-sum-exp over k = 0 … α
    private static double LogA(int order, double q, double sigma)
    {
        var terms = new double[order + 1];
        var logQ = Math.Log(q);
        var log1MinusQ = double.LogP1(-q);
        var max = double.NegativeInfinity;
        for (var k = 0; k <= order; k++)
        {
            terms[k] = LogBinomial(order, k) + (k * logQ) + ((order - k) * log1MinusQ) + ((((double)k * k) - k) / (2 * sigma * sigma));
            max = Math.Max(max, terms[k]);
        }

        var sum = 0.0;
        foreach (var term in terms)
        {
            sum += Math.Exp(term - max);
        }

        return max + Math.Log(sum);
    }

    private static double LogBinomial(int n, int k)
    {
        var result = 0.0;
        for (var i = 1; i <= k; i++)
        {
            result += Math.Log(n - k + i) - Math.Log(i);
        }

        return result;
    }
}
