using System.Text;

namespace EdgeTrain.Cmd;

/// <summary>Splits a line typed at the prompt into words: blanks separate, single or double quotes keep blanks inside a word.</summary>
internal static class CommandWords
{
    /// <exception cref="ClientUsageException">a quote is not closed.</exception>
    public static IReadOnlyList<string> Split(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in line)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (quote is not null)
        {
            throw new ClientUsageException($"unclosed {quote} quote");
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
