using EdgeTrain.Core;

namespace EdgeTrain.Actors.Configuration;

/// <summary>
/// A syntax check that runs before Akka's HOCON parser, which accepts unbalanced braces silently
/// and never returns on an unclosed list (<c>a = [1, 2 }</c>). It checks that strings are closed
/// and that every <c>{</c> and <c>[</c> is closed by its partner, outside strings and comments,
/// and names the line of the first problem.
/// </summary>
public static class HoconSyntaxCheck
{
    /// <summary>Throws when <paramref name="text"/> has an unclosed string or unbalanced brackets.</summary>
    /// <exception cref="InvalidInputException">names <paramref name="source"/>, the line and the problem.</exception>
    public static void Check(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\n':
                    line++;
                    break;
                case '#':
                case '/' when i + 1 < text.Length && text[i + 1] == '/':
                    while (i + 1 < text.Length && text[i + 1] != '\n')
                    {
                        i++;
                    }

                    break;
                case '"':
                    i = SkipString(text, i, ref line, source);
                    break;
                case '{':
                case '[':
                    open.Push((c, line));
                    break;
                case '}':
                case ']':
                    var wanted = c == '}' ? '{' : '[';
                    if (open.Count == 0)
                    {
                        throw Error(source, line, $"'{c}' closes nothing");
                    }

                    var (bracket, openedOn) = open.Pop();
                    if (bracket != wanted)
                    {
                        throw Error(source, line, $"'{c}' cannot close the '{bracket}' opened on line {openedOn}");
                    }

                    break;
            }
        }

        if (open.Count > 0)
        {
            var (bracket, openedOn) = open.Peek();
            throw Error(source, openedOn, $"'{bracket}' is never closed");
        }
    }

    // Returns the index of the string's closing quote.
    private static int SkipString(string text, int start, ref int line, string source)
    {
        var startLine = line;
        if (string.CompareOrdinal(text, start, "\"\"\"", 0, 3) == 0)
        {
            var end = text.IndexOf("\"\"\"", start + 3, StringComparison.Ordinal);
            if (end < 0)
            {
                throw Error(source, startLine, "the \"\"\" string is never closed");
            }

            line += text.AsSpan(start, end - start).Count('\n');
            return end + 2;
        }

        for (var i = start + 1; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\\':
                    i++;
                    break;
                case '"':
                    return i;
                case '\n':
                    throw Error(source, startLine, "the quoted string is never closed on its line");
            }
        }

        throw Error(source, startLine, "the quoted string is never closed");
    }

    private static InvalidInputException Error(string source, int line, string problem) =>
        new(source, $"line {line}", $"not valid HOCON: {problem}");
}
