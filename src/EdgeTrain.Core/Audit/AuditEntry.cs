namespace EdgeTrain.Core.Audit;

/// <summary>
/// One entry of the coordinator's audit log: a key operation (<paramref name="Action"/> on
/// <paramref name="Subject"/>, done or asked for by <paramref name="Who"/>), chained to the entry before
/// it by that entry's hash and signed by the coordinator that appended it. Entries are numbered 1, 2, …;
/// <see cref="AuditEncoding"/> defines the bytes the hash covers, <see cref="AuditChain.Verify"/> checks a
/// whole log.
/// </summary>
/// <param name="Sequence">The entry's number: 1 for the first entry of a log, then one more for each.</param>
/// <param name="TimeUtc">When the coordinator appended it (UTC; kept to the tick).</param>
/// <param name="Who">Who did or asked for it: an operator's client (<c>edgetrain-cmd (ipv4:10.0.0.9:51234)</c>), a
/// command-line client's address, a node, the cluster's membership, or the coordinator itself.</param>
/// <param name="Action">What happened, one of <see cref="AuditActions"/> (<c>job.submit</c>, <c>node.down</c>, …).</param>
/// <param name="Subject">What it happened to: a job id, a node address, a key id.</param>
/// <param name="Detail">More about it, in words (may be empty).</param>
/// <param name="PreviousHash">The hash of the entry before (64 lowercase hex digits; 64 zeros for entry 1).</param>
/// <param name="SignerKey">The signer's public key: its SubjectPublicKeyInfo (DER), base64.</param>
/// <param name="SignerCertificate">The signer's X.509 certificate (DER, base64) on a <c>signer</c> entry once the cluster's CA issues one; empty otherwise.</param>
/// <param name="Hash">SHA-256 of the entry's canonical bytes (<see cref="AuditEncoding.Canonical"/>), 64 lowercase hex digits.</param>
/// <param name="Signature">ECDSA P-256 over <paramref name="Hash"/> (r‖s, 64 bytes, base64).</param>
public sealed record AuditEntry(
    long Sequence,
    DateTime TimeUtc,
    string Who,
    string Action,
    string Subject,
    string Detail,
    string PreviousHash,
    string SignerKey,
    string SignerCertificate,
    string Hash,
    string Signature)
{
    /// <summary>
    /// Why the stored record of this entry could not be read (its bytes do not decode, or not to the
    /// canonical form); null for an entry that was read. Such an entry stands in for the record at its place
    /// in the log, so that verification fails there instead of passing over it.
    /// </summary>
    public string? Damage { get; init; }

    /// <summary>
    /// A stand-in for a stored record that cannot be read: its place in the log (<paramref name="sequence"/>),
    /// why (<paramref name="damage"/>), and the SHA-256 of the <paramref name="stored"/> bytes as its hash.
    /// </summary>
    public static AuditEntry Unreadable(long sequence, ReadOnlySpan<byte> stored, string damage) =>
        new(sequence, DateTime.MinValue, "", AuditActions.Unreadable, "", "", "", "", "", AuditEncoding.Hex(System.Security.Cryptography.SHA256.HashData(stored)), "")
        {
            Damage = damage,
        };
}
