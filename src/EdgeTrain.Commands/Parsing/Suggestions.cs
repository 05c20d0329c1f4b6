namespace EdgeTrain.Commands.Parsing;

/// <summary>Close matches for a mistyped command: the candidates within a small edit distance, closest first.</summary>
public static class Suggestions
{
    /// <summary>Up to <paramref name="max"/> of <paramref name="candidates"/> close to <paramref name="typed"/>.</summary>
    public static IReadOnlyList<string> Closest(string typed, IEnumerable<string> candidates, int max = 3)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(candidates);
        var limit = Math.Max(2, typed.Length / 3);
        return [.. candidates
            .Select(c => (Candidate: c, Distance: Math.Min(Distance(typed, c), c.StartsWith(typed, StringComparison.Ordinal) && typed.Length > 0 ? 1 : int.MaxValue)))
            .Where(c => c.Distance <= limit)
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Candidate, StringComparer.Ordinal)
            .Take(max)
            .Select(c => c.Candidate)];
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions that turn <paramref name="a"/> into <paramref name="b"/>.</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
