namespace EdgeTrain.Core.Privacy;

/// <summary>
/// What an <see cref="RdpAccountant"/> has spent, as messages carry it: the steps composed and the RDP at
/// each order 2 … 64 (<see cref="RdpAccountant.From"/> turns it back into an accountant).
/// </summary>
public sealed record PrivacySpent(long Steps, double[] Rdp)
{
    /// <summary>Nothing spent.</summary>
    public static PrivacySpent None => RdpAccountant.Empty.Spent;

    /// <summary>ε at <paramref name="delta"/>.</summary>
    public double Epsilon(double delta) => RdpAccountant.From(this).Epsilon(delta).Epsilon;
}

/// <summary>
/// What a DP-SGD trainer reports of its privacy: the partitions it trains (every example in them has
/// spent <paramref name="Spent"/> at most), and whether it stopped because one more step would take ε
/// past the job's target.
/// </summary>
public sealed record PrivacyReport(int[] Partitions, PrivacySpent Spent, bool BudgetSpent);

/// <summary>
/// A DP job's privacy as its status shows it: (ε, δ) spent so far by its worst partition, the target ε
/// (0: none), and the most DP-SGD steps any partition's examples have been through.
/// </summary>
public sealed record PrivacyStatus(double Epsilon, double Delta, double TargetEpsilon, long Steps)
{
    /// <summary>One line: <c>ε = 2.31 at δ = 1e-05 (target 3) after 1,200 steps</c>.</summary>
    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"ε = {Epsilon:0.###} at δ = {Delta:G3}{(TargetEpsilon > 0 ? $" (target {TargetEpsilon:G4})" : " (no target)")} after {Steps:N0} steps");
}
