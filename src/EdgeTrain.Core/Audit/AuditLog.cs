namespace EdgeTrain.Core.Audit;

/// <summary>
/// The audit log as the coordinator's state holds it: every entry, in the order the journal holds them,
/// including stand-ins for records that could not be read. All of them are kept (a few hundred bytes each:
/// the signer key's text is shared between the entries it signs), so that any verifier can fetch the whole
/// chain. Entries are added only through <see cref="Add"/>, from the coordinator's <c>Apply</c>.
/// </summary>
public sealed class AuditLog
{
    private readonly List<AuditEntry> entries = [];

    /// <summary>Every entry, oldest first.</summary>
    public IReadOnlyList<AuditEntry> Entries => entries;

    /// <summary>How many entries the log holds.</summary>
    public int Count => entries.Count;

    /// <summary>
    /// The end of the log: the next entry takes number <c>Head.Sequence + 1</c> (entries are counted by their
    /// place, whatever a damaged entry claims) and links to the last entry's hash.
    /// </summary>
    public AuditHead Head => entries.Count == 0 ? AuditHead.Genesis : new AuditHead(entries.Count, entries[^1].Hash);

    /// <summary>The key (base64 SubjectPublicKeyInfo) the latest <c>signer</c> entry introduced, or null.</summary>
    public string? Signer { get; private set; }

    /// <summary>The id of <see cref="Signer"/>, or null.</summary>
    public string? SignerKeyId { get; private set; }

    /// <summary>
    /// Adds an entry at the end. A stand-in for an unreadable record takes the next place's number (its bytes
    /// did not say); a signer key equal to the one before is stored once.
    /// </summary>
    public void Add(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Damage is not null)
        {
            entry = entry with { Sequence = entries.Count + 1 };
        }
        else if (entries.Count > 0 && entry.SignerKey.Length > 0 && string.Equals(entries[^1].SignerKey, entry.SignerKey, StringComparison.Ordinal))
        {
            entry = entry with { SignerKey = entries[^1].SignerKey };
        }

        entries.Add(entry);
        if (entry.Action == AuditActions.Signer && entry.Damage is null)
        {
            Signer = entry.SignerKey;
            SignerKeyId = entry.Subject;
        }
    }

    /// <summary>
    /// At most <paramref name="max"/> entries from the <paramref name="from"/>-th on (1: the first), or the last
    /// <paramref name="max"/> entries when <paramref name="from"/> is 0 or less.
    /// </summary>
    public IReadOnlyList<AuditEntry> Page(long from, int max)
    {
        if (max <= 0 || entries.Count == 0)
        {
            return [];
        }

        var start = from <= 0 ? Math.Max(0, entries.Count - max) : (int)Math.Min(from - 1, entries.Count);
        return entries.GetRange(start, Math.Min(max, entries.Count - start));
    }
}
