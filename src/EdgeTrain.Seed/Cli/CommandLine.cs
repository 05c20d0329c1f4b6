using EdgeTrain.Core;

namespace EdgeTrain.Seed.Cli;

/// <summary>
/// The parsed words after a command name: <c>--name value</c> options, <c>--flag</c> switches and
/// positional arguments. Unknown options and missing values are usage errors that name the switch.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> options = new(StringComparer.Ordinal);
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

                line.options[name] = value;
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

    /// <summary>The value of option <paramref name="name"/>, or null.</summary>
    public string? Option(string name) => options.GetValueOrDefault(name);

    /// <summary>True when switch <paramref name="name"/> was given.</summary>
    public bool Flag(string name) => flags.Contains(name);
}
