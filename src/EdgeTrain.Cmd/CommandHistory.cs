namespace EdgeTrain.Cmd;

/// <summary>The prompt's history: commands in the order run (no blank lines, no repeat of the one before), walked with up and down.</summary>
internal sealed class CommandHistory
{
    private readonly List<string> entries = [];
    private int position;

    public IReadOnlyList<string> Entries => entries;

    public void Add(string line)
    {
        if (!string.IsNullOrWhiteSpace(line) && (entries.Count == 0 || entries[^1] != line))
        {
            entries.Add(line);
        }

        position = entries.Count;
    }

    /// <summary>The entry before the current one (up arrow), or null at the oldest.</summary>
    public string? Previous()
    {
        if (position == 0)
        {
            return entries.Count == 0 ? null : entries[0];
        }

        return entries[--position];
    }

    /// <summary>The entry after the current one (down arrow); empty past the newest.</summary>
    public string Next()
    {
        if (position >= entries.Count - 1)
        {
            position = entries.Count;
            return "";
        }

        return entries[++position];
    }
}
