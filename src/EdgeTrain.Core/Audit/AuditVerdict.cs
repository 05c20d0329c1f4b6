namespace EdgeTrain.Core.Audit;

/// <summary>Why an audit entry does not verify, in the order <see cref="AuditChain.Verify"/> checks an entry.</summary>
public enum AuditProblem
{
    /// <summary>Its stored record cannot be read (<see cref="AuditEntry.Damage"/>).</summary>
    Unreadable,

    /// <summary>Its sequence number is not one more than the entry's before it (an entry dropped, inserted or moved).</summary>
    SequenceGap,

    /// <summary>Its fields do not hash to its stored hash (a field changed).</summary>
    HashMismatch,

    /// <summary>Its previous hash is not the hash of the entry before it.</summary>
    BrokenLink,

    /// <summary>Its signature is not its signer key's over its hash.</summary>
    BadSignature,

    /// <summary>Its signer is not trusted: no <c>signer</c> entry introduced the key, or the verifier's trust refused it.</summary>
    UnknownSigner,
}

/// <summary>The first entry of a log that does not verify: its place (1 for the first entry), the sequence number it claims, the problem and why.</summary>
public sealed record AuditFault(long Position, long ClaimedSequence, AuditProblem Problem, string Reason)
{
    /// <summary>The problem in words: "hash mismatch", "broken link", ….</summary>
    public string ProblemText => Problem switch
    {
        AuditProblem.Unreadable => "unreadable",
        AuditProblem.SequenceGap => "sequence gap",
        AuditProblem.HashMismatch => "hash mismatch",
        AuditProblem.BrokenLink => "broken link",
        AuditProblem.BadSignature => "bad signature",
        _ => "unknown signer",
    };

    /// <summary>One line for people: <c>entry #3: hash mismatch: …</c>.</summary>
    public override string ToString() =>
        $"entry #{Position}{(ClaimedSequence == Position ? "" : $" (it claims #{ClaimedSequence})")}: {ProblemText}: {Reason}";
}

/// <summary>
/// What <see cref="AuditChain.Verify"/> found: how many entries verified from the start, the head (the last
/// of them: its sequence number and hash), the signers those entries were signed by (key ids, in order of
/// introduction), and the first entry that does not verify, when one does not.
/// </summary>
public sealed record AuditVerdict(long Verified, long HeadSequence, string HeadHash, IReadOnlyList<string> Signers, AuditFault? Fault)
{
    /// <summary>True when every entry verified.</summary>
    public bool Ok => Fault is null;

    /// <summary>The verdict as the command line prints it first.</summary>
    public override string ToString() => Fault is null
        ? $"audit chain verified: {Verified} {(Verified == 1 ? "entry" : "entries")}, head #{HeadSequence} {HeadHash}"
        : $"audit chain broken at {Fault}";
}
