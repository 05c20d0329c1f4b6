using System.Globalization;
using EdgeTrain.Core;

namespace EdgeTrain.Actors.Hosting;

/// <summary>
/// The parsed words after a program's command: <c>--name value</c> (or <c>--name=value</c>)
/// options, which may repeat, <c>--flag</c> switches and positional arguments. Unknown options,
/// missing values and malformed numbers are usage errors that name the switch.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> options = new(StringComparer.Ordinal);
    private readonly HashSet<string> flags = new(StringComparer.Ordinal);
    private readonly List<string> positionals = [];

    private CommandLine()
    {
    }

    /// <summary>Positional arguments in order.</summary>
    public IReadOnlyList<string> Positionals => positionals;

    /// <summary>Parses <paramref name="args"/> allowing the given valued options and flags (names with their dashes).</summary>
    /// <exception cref="InvalidInputException">an unknown switch, or an option without its value.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> valued, IReadOnlyCollection<string> switches)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(valued);
        ArgumentNullException.ThrowIfNull(switches);
        var line = new CommandLine();
        for (var i = 0; i < args.Count; i++)
        {
            var word = args[i];
            if (!word.StartsWith('-') || word == "-")
            {
                line.positionals.Add(word);
                continue;
            }

            var (name, inline) = word.Split('=', 2) is [var n, var v] ? (n, v) : (word, null);
            if (valued.Contains(name))
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : null);
                if (value is null)
                {
                    throw new InvalidInputException("command line", name, "expected a value after it");
                }

                if (!line.options.TryGetValue(name, out var values))
                {
                    values = [];
                    line.options[name] = values;
                }

                values.Add(value);
            }
            else if (switches.Contains(name) && inline is null)
            {
                line.flags.Add(name);
            }
            else
            {
                var known = string.Join(", ", valued.Concat(switches));
                throw new InvalidInputException("command line", name, $"unknown option; expected one of {known}");
            }
        }

        return line;
    }

    /// <summary>The last value of option <paramref name="name"/>, or null.</summary>
    public string? Option(string name) => options.TryGetValue(name, out var values) ? values[^1] : null;

    /// <summary>Every value of a repeatable option, in order (comma-separated values are split).</summary>
    public IReadOnlyList<string> Options(string name) =>
        options.TryGetValue(name, out var values)
            ? values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray()
            : [];

    /// <summary>Every value of a repeatable option, in order, each as given (not split at commas: paths).</summary>
    public IReadOnlyList<string> Values(string name) => options.TryGetValue(name, out var values) ? [.. values] : [];

    /// <summary>True when switch <paramref name="name"/> was given.</summary>
    public bool Flag(string name) => flags.Contains(name);

    /// <summary>A whole-number option (signed where <paramref name="min"/> is negative) from <paramref name="min"/> to <paramref name="max"/>, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="InvalidInputException">the value is not such a number.</exception>
    public int Int(string name, int fallback, int min, int max)
    {
        var text = Option(name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new InvalidInputException("command line", name, $"expected a whole number from {min} to {max}, found '{text}'");
        }

        return value;
    }

    /// <summary>Refuses positional arguments beyond the first <paramref name="allowed"/>.</summary>
    /// <exception cref="InvalidInputException">there are more, naming the first extra one.</exception>
    public void AllowPositionals(int allowed, string usage)
    {
        if (positionals.Count > allowed)
        {
            throw new InvalidInputException("command line", positionals[allowed], $"unexpected argument; usage: {usage}");
        }
    }
}
