using EdgeTrain.Actors.Jobs;
using EdgeTrain.Actors.Membership;
using static EdgeTrain.Actors.Jobs.JobProtocol;

namespace EdgeTrain.Seed.Demo;

/// <summary>
/// Carries out a <see cref="ChaosPlan"/> during a demo: picks the node hosting the most slices,
/// sends it SIGKILL, brings killed nodes back later when the plan says so, and measures each
/// recovery from the kill to the moment the last of that node's slices has answered again on
/// another node (the coordinator checks every slice every half second), in its parts: detected, downed
/// (removed from the membership), serving again (<see cref="Breakdown"/>).
/// </summary>
internal sealed class ChaosMonkey(ChaosPlan plan, ChildProcesses children, string logs, Action<string> note)
{
    private readonly List<Kill> kills = [];
    private readonly List<(string Name, DateTime DueUtc)> returns = [];

    /// <summary>Kills done so far.</summary>
    public int Kills => kills.Count;

    /// <summary>The longest recovery so far in seconds; null while a kill has not recovered.</summary>
    public double? MaxRecoverySeconds => kills.Count == 0 ? 0 : kills.Any(k => k.Recovered is null) ? null : kills.Max(k => k.Recovered!.Value.TotalSeconds);

    /// <summary>
    /// Each kill's recovery in its parts, in seconds from the kill: detected (the first of the failure
    /// detector's unreachable and a node's finding that the process is gone), downed (removed from the
    /// membership), serving (the last of its slices answered again on another node); null where it has not happened.
    /// </summary>
    public IReadOnlyList<KillBreakdown> Breakdown => [.. kills.Select(k => new KillBreakdown(
        k.Name,
        k.Slices,
        Seconds(k.Detected, k.AtUtc),
        k.DetectedBy,
        Seconds(k.Removed, k.AtUtc),
        k.Recovered is { } r ? Math.Round(r.TotalSeconds, 2) : null))];

    /// <summary>One step, with the job's status and its slices' health: kill, bring back, measure.</summary>
    public void Step(JobStatus status, SliceHealthReport health, IReadOnlyList<string> nodeNames)
    {
        var now = DateTime.UtcNow;
        foreach (var kill in kills)
        {
            var changes = health.Members.Where(m => m.Address == kill.Address && m.AtUtc >= kill.AtUtc).ToList();
            if (kill.Detected is null && changes.FirstOrDefault(m => m.Kind != MemberChangeKind.Removed) is { } first)
            {
                kill.Detected = first.AtUtc;
                kill.DetectedBy = first.Kind == MemberChangeKind.Unreachable ? "failure detector" : first.Kind == MemberChangeKind.ProcessGone ? "connection refused" : "downed";
            }

            kill.Removed ??= changes.FirstOrDefault(m => m.Kind == MemberChangeKind.Removed)?.AtUtc;
        }

        foreach (var kill in kills.Where(k => k.Recovered is null))
        {
            var slices = health.Slices.Where(s => kill.Slices.Contains(s.Slice)).ToList();
            if (slices.All(s => s.Node is not null && s.Node != kill.Address && s.LastAnsweredUtc > kill.AtUtc))
            {
                kill.Recovered = slices.Count == 0 ? TimeSpan.Zero : slices.Max(s => s.LastAnsweredUtc) - kill.AtUtc;
                note($"chaos: the slices [{string.Join(",", kill.Slices)}] of {kill.Name} answer again, {kill.Recovered.Value.TotalSeconds:0.0} s after the kill");
            }
        }

        foreach (var due in returns.Where(r => r.DueUtc <= now).ToList())
        {
            returns.Remove(due);
            children.Restart(due.Name, Path.Combine(logs, $"{due.Name}-{kills.Count(k => k.Name == due.Name) + 1}.log"));
            note($"chaos: {due.Name} comes back as a returning volunteer");
        }

        var alive = nodeNames.Where(children.Running).ToList();
        if (plan.KillMidRound)
        {
            KillMidRound(alive, status, health);
        }

        if (plan.KillSplitServer && kills.Count == 0 && status.ElapsedSeconds >= SplitServerKillAfter.TotalSeconds && !status.Finished)
        {
            KillSplitServer(alive, status, health);
        }

        if (!plan.KillDue(TimeSpan.FromSeconds(status.ElapsedSeconds), kills.Count) || alive.Count < 2 || status.Finished)
        {
            return;
        }

        var busiest = alive
            .Select(name => (Name: name, Address: children.AddressOf(name)))
            .Where(n => n.Address is not null)
            .MaxBy(n => status.SlicesPerNode.GetValueOrDefault(n.Address!));
        if (busiest.Address is null)
        {
            return;
        }

        var hosted = health.Slices.Where(s => s.Node == busiest.Address).Select(s => s.Slice).ToArray();
        children.Kill(busiest.Name);
        kills.Add(new Kill(busiest.Name, busiest.Address, hosted, DateTime.UtcNow));
        note($"chaos: SIGKILL to {busiest.Name} ({busiest.Address}) at {status.ElapsedSeconds:0.0} s, hosting slices [{string.Join(",", hosted)}]");
        if (plan.NodesReturn)
        {
            returns.Add((busiest.Name, DateTime.UtcNow + plan.ReturnAfter));
        }
    }

    // a node whose trainer went silent mid-way through a secure round: SIGKILL, as a device that dies there
    private void KillMidRound(List<string> alive, JobStatus status, SliceHealthReport health)
    {
        foreach (var name in alive.Where(n => !kills.Any(k => k.Name == n)).ToList())
        {
            if (children.LogOf(name) is not { } log || !ChildProcesses.Tail(log, 400).Contains(Core.Adversaries.Adversary.DropMidRoundMarker, StringComparison.Ordinal)
                || children.AddressOf(name) is not { } address)
            {
                continue;
            }

            var hosted = health.Slices.Where(s => s.Node == address).Select(s => s.Slice).ToArray();
            children.Kill(name);
            kills.Add(new Kill(name, address, hosted, DateTime.UtcNow));
            alive.Remove(name);
            note($"chaos: SIGKILL to {name} ({address}) at {status.ElapsedSeconds:0.0} s, mid-way through a secure round (it sent its keys and shares, not its masked vector)");
        }
    }

    // 10 s into training: the split-server has pushed updates to its slices, and lost steps since its last one
    private static readonly TimeSpan SplitServerKillAfter = TimeSpan.FromSeconds(10);

    // the node serving a split job's layers after the cut: SIGKILL, once (its successor on another node says the same)
    private void KillSplitServer(List<string> alive, JobStatus status, SliceHealthReport health)
    {
        var name = alive.FirstOrDefault(n => children.LogOf(n) is { } log && ChildProcesses.Tail(log, 400).Contains(Actors.Split.SplitServerActor.ServingMarker, StringComparison.Ordinal));
        if (name is null || children.AddressOf(name) is not { } address)
        {
            return;
        }

        var hosted = health.Slices.Where(s => s.Node == address).Select(s => s.Slice).ToArray();
        children.Kill(name);
        kills.Add(new Kill(name, address, hosted, DateTime.UtcNow));
        alive.Remove(name);
        note($"chaos: SIGKILL to {name} ({address}) at {status.ElapsedSeconds:0.0} s, serving the split job's layers after the cut and hosting slices [{string.Join(",", hosted)}]");
    }

    private static double? Seconds(DateTime? atUtc, DateTime killUtc) => atUtc is { } at ? Math.Round((at - killUtc).TotalSeconds, 2) : null;

    private sealed class Kill(string name, string address, int[] slices, DateTime atUtc)
    {
        public string Name { get; } = name;

        public string Address { get; } = address;

        public int[] Slices { get; } = slices;

        public DateTime AtUtc { get; } = atUtc;

        public TimeSpan? Recovered { get; set; }

        public DateTime? Detected { get; set; }

        public string? DetectedBy { get; set; }

        public DateTime? Removed { get; set; }
    }
}
