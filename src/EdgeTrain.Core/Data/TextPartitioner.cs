namespace EdgeTrain.Core.Data;

/// <summary>
/// Splits a corpus of documents into disjoint partitions by one of their fields, so that each trainer holds
/// documents that belong together — one era's speeches, or one party's — and never sends them: the non-IID
/// split of a language model trained where its text lives. Deterministic.
/// </summary>
public static class TextPartitioner
{
    /// <summary>
    /// Eras of about equal size: the documents in order of <paramref name="years"/> (ties by position), cut into
    /// <paramref name="parts"/> consecutive runs of about equal total <paramref name="sizes"/> (characters). A run
    /// never splits one year's documents unless a year alone is more than a part. Returns each partition's
    /// document indices, oldest first.
    /// </summary>
    /// <exception cref="ArgumentException">the arrays differ in length, or there are fewer documents than parts.</exception>
    public static int[][] ByEra(IReadOnlyList<int> years, IReadOnlyList<long> sizes, int parts)
    {
        ArgumentNullException.ThrowIfNull(years);
        ArgumentNullException.ThrowIfNull(sizes);
        Require(years.Count, sizes.Count, parts);
        var order = Enumerable.Range(0, years.Count).OrderBy(i => years[i]).ThenBy(i => i).ToArray();
        var total = sizes.Sum();
        var result = Enumerable.Range(0, parts).Select(_ => new List<int>()).ToArray();
        long taken = 0;
        var part = 0;
        for (var k = 0; k < order.Length; k++)
        {
            var i = order[k];
            // move on once this part holds its share, keeping a year together, and leaving a document for every later part
            var share = total * (part + 1) / parts;
            var sameYear = k > 0 && years[order[k - 1]] == years[i];
            var mustMove = order.Length - k <= parts - 1 - part;
            if (part < parts - 1 && result[part].Count > 0 && ((taken >= share && !sameYear) || mustMove))
            {
                part++;
            }

            result[part].Add(i);
            taken += sizes[i];
        }

        return [.. result.Select(r => r.ToArray())];
    }

    /// <summary>
    /// By a categorical field (a party): the groups of documents with the same <paramref name="keys"/>, largest first,
    /// each given whole to the partition that holds the fewest characters so far (ties: the lower index). With as many
    /// parts as groups, one group each. Returns each partition's document indices in corpus order.
    /// </summary>
    /// <exception cref="ArgumentException">the arrays differ in length, or there are fewer groups than parts.</exception>
    public static int[][] ByKey(IReadOnlyList<string> keys, IReadOnlyList<long> sizes, int parts)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(sizes);
        Require(keys.Count, sizes.Count, parts);
        var groups = Enumerable.Range(0, keys.Count).GroupBy(i => keys[i], StringComparer.Ordinal)
            .Select(g => (Key: g.Key, Members: g.ToArray(), Size: g.Sum(i => sizes[i])))
            .OrderByDescending(g => g.Size).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (groups.Count < parts)
        {
            throw new ArgumentException($"{groups.Count} distinct values cannot fill {parts} partitions; expected at most {groups.Count} trainers' partitions", nameof(parts));
        }

        var result = Enumerable.Range(0, parts).Select(_ => new List<int>()).ToArray();
        var filled = new long[parts];
        foreach (var group in groups)
        {
            var target = Array.IndexOf(filled, filled.Min());
            result[target].AddRange(group.Members);
            filled[target] += group.Size;
        }

        return [.. result.Select(r => r.Order().ToArray())];
    }

    /// <summary>
    /// Where a document of <paramref name="length"/> characters is cut for evaluation: its last
    /// <paramref name="heldOutFraction"/> is held out (at least one character of each side when it has two).
    /// </summary>
    public static int TrainingLength(int length, double heldOutFraction)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (heldOutFraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(heldOutFraction), heldOutFraction, "expected a fraction in (0, 1)");
        }

        return length < 2 ? length : Math.Clamp((int)Math.Round(length * (1 - heldOutFraction)), 1, length - 1);
    }

    /// <summary>
    /// IID: the documents in an order shuffled by <paramref name="seed"/>, each given to the partition that holds the
    /// fewest characters so far (ties: the lower index), so that every partition mixes every era and party — the
    /// baseline against which the non-IID splits are measured. Returns each partition's document indices in corpus order.
    /// </summary>
    /// <exception cref="ArgumentException">fewer documents than parts.</exception>
    public static int[][] Shuffled(IReadOnlyList<long> sizes, int parts, int seed)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        Require(sizes.Count, sizes.Count, parts);
        var order = Enumerable.Range(0, sizes.Count).ToArray();
        new Random(seed).Shuffle(order);
        var result = Enumerable.Range(0, parts).Select(_ => new List<int>()).ToArray();
        var held = new long[parts];
        foreach (var i in order)
        {
            var part = Array.IndexOf(held, held.Min());
            result[part].Add(i);
            held[part] += sizes[i];
        }

        return [.. result.Select(r => r.Order().ToArray())];
    }

    private static void Require(int count, int sizes, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        if (count != sizes)
        {
            throw new ArgumentException($"{count} documents but {sizes} sizes");
        }

        if (count < parts)
        {
            throw new ArgumentException($"{count} documents cannot fill {parts} partitions", nameof(parts));
        }
    }
}
