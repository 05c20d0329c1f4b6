namespace EdgeTrain.Core.Audit;

/// <summary>What an entry records before it is chained and signed: who, what, to what, and more in words.</summary>
public sealed record AuditNote(string Who, string Action, string Subject, string Detail)
{
    /// <summary>Details longer than this many characters are cut (with "…"): an entry stays small.</summary>
    public const int MaxDetail = 2_000;

    /// <summary>Who, action and subject longer than this many characters are cut (with "…").</summary>
    public const int MaxName = 500;
}

/// <summary>The end of a log: the sequence number of its last entry (0 when empty) and that entry's hash (64 zeros when empty).</summary>
public readonly record struct AuditHead(long Sequence, string Hash)
{
    /// <summary>The head of an empty log.</summary>
    public static AuditHead Genesis => new(0, AuditEncoding.GenesisHash);
}

/// <summary>
/// Makes and checks hash-chained, signed audit entries (format: <see cref="AuditEncoding"/>). An entry holds
/// the hash of the one before it, so changing, dropping, inserting or reordering entries breaks the chain at
/// the first entry touched, and only the signer's private key can make a changed entry verify again.
/// </summary>
public static class AuditChain
{
    /// <summary>
    /// The entry after <paramref name="head"/>: <paramref name="note"/> at <paramref name="timeUtc"/>, chained and
    /// signed by <paramref name="signer"/> (<paramref name="certificate"/>: its certificate, base64 DER, on a
    /// <c>signer</c> entry; empty otherwise). Texts are kept as they read back from UTF-8, details cut at
    /// <see cref="AuditNote.MaxDetail"/> characters, the other texts at <see cref="AuditNote.MaxName"/>.
    /// </summary>
    public static AuditEntry Next(AuditHead head, DateTime timeUtc, AuditNote note, AuditSigner signer, string certificate = "")
    {
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(certificate);
        var time = new DateTime((timeUtc.Kind == DateTimeKind.Local ? timeUtc.ToUniversalTime() : timeUtc).Ticks, DateTimeKind.Utc);
        var unsigned = new AuditEntry(head.Sequence + 1, time, Text(note.Who, AuditNote.MaxName), Text(note.Action, AuditNote.MaxName), Text(note.Subject, AuditNote.MaxName),
            Text(note.Detail, AuditNote.MaxDetail), head.Hash, signer.PublicKey, certificate, "", "");
        var hash = AuditEncoding.ComputeHash(unsigned);
        return unsigned with { Hash = hash, Signature = signer.Sign(hash) };
    }

    /// <summary>
    /// The <c>signer</c> entry after <paramref name="head"/> with which <paramref name="signer"/> starts signing:
    /// who (<paramref name="coordinator"/>), the key id as subject, and the key it takes over from.
    /// </summary>
    public static AuditEntry Introduce(AuditHead head, DateTime timeUtc, AuditSigner signer, string coordinator, string? previousKeyId, string certificate = "")
    {
        ArgumentNullException.ThrowIfNull(signer);
        var detail = previousKeyId is null ? "first signer of this log" : $"takes over from key sha256:{previousKeyId}";
        return Next(head, timeUtc, new AuditNote(coordinator, AuditActions.Signer, signer.KeyId, detail), signer, certificate);
    }

    /// <summary>
    /// Checks a whole log from its first entry: each entry in turn must be readable, carry the next sequence
    /// number (1 first), hash to its stored hash, link to the hash of the entry before it (64 zeros for the
    /// first), carry a valid P-256 signature of its signer over that hash, and be signed by the key the latest
    /// <c>signer</c> entry introduced (a <c>signer</c> entry by the key it introduces), a key that
    /// <paramref name="trust"/> accepts. Returns the head of the verified entries and, at the first entry
    /// that fails, which check failed and why.
    /// </summary>
    public static AuditVerdict Verify(IEnumerable<AuditEntry> entries, AuditTrust trust)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(trust);
        var keys = new Dictionary<string, AuditPublicKey?>(StringComparer.Ordinal);
        var signers = new List<string>();
        var head = AuditHead.Genesis;
        (string Key, string Id, long Since)? current = null;
        long position = 0;
        try
        {
            foreach (var entry in entries)
            {
                position++;
                var fault = Check(entry, position, head, current, trust, keys);
                if (fault is not null)
                {
                    return new AuditVerdict(position - 1, head.Sequence, head.Hash, signers, fault);
                }

                if (entry.Action == AuditActions.Signer)
                {
                    var id = keys[entry.SignerKey]!.KeyId;
                    current = (entry.SignerKey, id, position);
                    if (!signers.Contains(id))
                    {
                        signers.Add(id);
                    }
                }

                head = new AuditHead(entry.Sequence, entry.Hash);
            }

            return new AuditVerdict(position, head.Sequence, head.Hash, signers, null);
        }
        finally
        {
            foreach (var key in keys.Values)
            {
                key?.Dispose();
            }
        }
    }

    private static AuditFault? Check(AuditEntry entry, long position, AuditHead head, (string Key, string Id, long Since)? current, AuditTrust trust, Dictionary<string, AuditPublicKey?> keys)
    {
        AuditFault Fault(AuditProblem problem, string reason) => new(position, entry.Sequence, problem, reason);

        if (entry.Damage is { } damage)
        {
            return Fault(AuditProblem.Unreadable, damage);
        }

        if (entry.Sequence != position)
        {
            return Fault(AuditProblem.SequenceGap, $"expected #{position} after #{head.Sequence}, found #{entry.Sequence}");
        }

        var hash = AuditEncoding.ComputeHash(entry);
        if (!string.Equals(hash, entry.Hash, StringComparison.Ordinal))
        {
            return Fault(AuditProblem.HashMismatch, $"its fields hash to {hash}, its stored hash is {Short(entry.Hash)}");
        }

        if (!string.Equals(entry.PreviousHash, head.Hash, StringComparison.Ordinal))
        {
            return Fault(AuditProblem.BrokenLink, position == 1
                ? $"the first entry's previous hash must be 64 zeros, it is {Short(entry.PreviousHash)}"
                : $"its previous hash {Short(entry.PreviousHash)} is not entry #{head.Sequence}'s hash {head.Hash}");
        }

        if (!keys.TryGetValue(entry.SignerKey, out var key))
        {
            key = AuditPublicKey.Parse(entry.SignerKey, out _);
            keys[entry.SignerKey] = key;
        }

        if (key is null || !key.Verifies(entry.Hash, entry.Signature))
        {
            return Fault(AuditProblem.BadSignature, key is null ? "its signer key is not a P-256 public key" : $"the signature is not key sha256:{key.KeyId}'s over the entry's hash");
        }

        if (entry.Action == AuditActions.Signer)
        {
            return trust.Refusal(entry, key.KeyId) is { } refusal ? Fault(AuditProblem.UnknownSigner, refusal) : null;
        }

        return current switch
        {
            null => Fault(AuditProblem.UnknownSigner, $"signed by key sha256:{key.KeyId}, but no signer entry before it introduced a key"),
            var (signer, id, since) when !string.Equals(signer, entry.SignerKey, StringComparison.Ordinal) =>
                Fault(AuditProblem.UnknownSigner, $"signed by key sha256:{key.KeyId}, but the signer since entry #{since} is key sha256:{id}"),
            _ => null,
        };
    }

    // cut to at most max characters, then as it reads back from UTF-8
    private static string Text(string text, int max) =>
        AuditEncoding.Normalize(text is null ? "" : text.Length <= max ? text : text[..(max - 1)] + "…");

    private static string Short(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
