using EdgeTrain.Core.Audit;

namespace EdgeTrain.Core.Tests.Audit;

/// <summary>Audit logs for the specs: a signer entry, then notes, each a second after the one before.</summary>
internal static class AuditChains
{
    public static readonly DateTime T0 = new(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc);

    public static readonly AuditNote[] Notes =
    [
        new("client akka.tcp://edgetrain-client@127.0.0.1:40001", AuditActions.JobSubmit, "mnist-mlp-1", "mnist-mlp: model mlp, priority 0"),
        new("edgetrain-cmd (ipv4:10.0.0.9:51234)", AuditActions.JobPause, "mnist-mlp-1", "was running"),
        new("cluster membership", AuditActions.NodeDown, "akka.tcp://edgetrain@10.0.0.2:4053", ""),
        new("edgetrain-cmd (ipv4:10.0.0.9:51235)", "ops.cluster.leave", "akka.tcp://edgetrain@10.0.0.1:4053", "cluster leave akka.tcp://edgetrain@10.0.0.3:4053 — «ünïcode» 任务 🚀"),
        new("client akka.tcp://edgetrain-client@127.0.0.1:40002", AuditActions.CheckpointSave, "mnist-mlp-1", "checkpoint 1: slice versions [4,5]"),
        new("coordinator akka.tcp://edgetrain@10.0.0.1:4053", AuditActions.JobEnd, "mnist-mlp-1", "completed: reached 97.00 %"),
    ];

    /// <summary>A log of <paramref name="count"/> entries signed by <paramref name="signer"/>: its signer entry first.</summary>
    public static List<AuditEntry> Build(AuditSigner signer, int count) => Extend([], signer, count, T0);

    /// <summary><paramref name="log"/> with entries by <paramref name="signer"/> up to <paramref name="count"/> in all; a signer entry first when the key is new to it.</summary>
    public static List<AuditEntry> Extend(List<AuditEntry> log, AuditSigner signer, int count, DateTime start)
    {
        var head = log.Count == 0 ? AuditHead.Genesis : new AuditHead(log[^1].Sequence, log[^1].Hash);
        var time = start;
        if (log.LastOrDefault(e => e.Action == AuditActions.Signer)?.SignerKey != signer.PublicKey && log.Count < count)
        {
            var previous = log.LastOrDefault(e => e.Action == AuditActions.Signer)?.Subject;
            log.Add(AuditChain.Introduce(head, time, signer, "coordinator akka.tcp://edgetrain@10.0.0.1:4053", previous));
            head = new AuditHead(log[^1].Sequence, log[^1].Hash);
        }

        while (log.Count < count)
        {
            time = time.AddSeconds(1);
            log.Add(AuditChain.Next(head, time, Notes[log.Count % Notes.Length], signer));
            head = new AuditHead(log[^1].Sequence, log[^1].Hash);
        }

        return log;
    }

    /// <summary><paramref name="log"/> with entry <paramref name="position"/> (1 first) replaced.</summary>
    public static List<AuditEntry> With(IReadOnlyList<AuditEntry> log, int position, AuditEntry entry)
    {
        var copy = log.ToList();
        copy[position - 1] = entry;
        return copy;
    }

    /// <summary><paramref name="text"/> with one character changed (one bit of it flipped), or one added when it is empty.</summary>
    public static string Flip(string text) =>
        text.Length == 0 ? "x" : string.Concat(text.AsSpan(0, text.Length / 2), ((char)(text[text.Length / 2] ^ 1)).ToString(), text.AsSpan(text.Length / 2 + 1));
}
