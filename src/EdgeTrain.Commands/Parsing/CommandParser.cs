namespace EdgeTrain.Commands.Parsing;

/// <summary>
/// Matches a command line (<c>cluster down -a ADDRESS</c>) against the palettes' commands and reads
/// its switches. Mistakes are <see cref="CommandUsageException"/>s that name the word at fault and,
/// for an unknown command, the close matches.
/// </summary>
public sealed class CommandParser
{
    /// <summary>A parser for <paramref name="commands"/>.</summary>
    public CommandParser(IReadOnlyList<CommandSpec> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        Commands = commands;
    }

    /// <summary>Every command, in help order.</summary>
    public IReadOnlyList<CommandSpec> Commands { get; }

    /// <summary>The palettes (first words of the commands), in help order.</summary>
    public IReadOnlyList<string> Palettes => [.. Commands.Select(c => c.Palette).Distinct(StringComparer.Ordinal)];

    /// <summary>Parses <paramref name="argv"/>.</summary>
    /// <exception cref="CommandUsageException">no such command, or a switch it does not have, lacks or misuses.</exception>
    public ParsedCommand Parse(IReadOnlyList<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        var words = argv.Where(w => w.Length > 0).ToArray();
        if (words.Length == 0)
        {
            throw new CommandUsageException("no command given; 'help' lists the commands");
        }

        var spec = Commands
            .Where(c => c.Words.Length <= words.Length && c.Words.SequenceEqual(words.Take(c.Words.Length), StringComparer.Ordinal))
            .MaxBy(c => c.Words.Length);
        if (spec is null)
        {
            throw Unknown(words);
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        string? positional = null;
        var help = false;
        for (var i = spec.Words.Length; i < words.Length; i++)
        {
            var word = words[i];
            if (word is "-h" or "--help")
            {
                help = true;
                continue;
            }

            if (word.Length > 1 && word[0] == '-' && !LooksLikeNumber(word))
            {
                var (name, inline) = word.StartsWith("--", StringComparison.Ordinal) && word.Split('=', 2) is [var n, var v] ? (n, v) : (word, null);
                var option = spec.Switches.FirstOrDefault(s => s.Short == name || s.Long == name)
                    ?? throw new CommandUsageException($"{spec.Name}: unknown switch '{name}'; {Expected(spec)}");
                if (option.IsFlag)
                {
                    if (inline is not null)
                    {
                        throw new CommandUsageException($"{spec.Name}: {option.Long} takes no value");
                    }

                    flags.Add(option.Long);
                    continue;
                }

                var value = inline ?? (i + 1 < words.Length ? words[++i] : null)
                    ?? throw new CommandUsageException($"{spec.Name}: {option.Long} expects {option.ValueName}");
                values[option.Long] = value;
                continue;
            }

            if (spec.Positional is null || positional is not null)
            {
                throw new CommandUsageException($"{spec.Name}: unexpected argument '{word}'; usage: {spec.Usage}");
            }

            positional = word;
        }

        if (!help && spec.Switches.FirstOrDefault(s => s.Required && !values.ContainsKey(s.Long)) is { } missing)
        {
            throw new CommandUsageException($"{spec.Name}: {missing.Long} is required; usage: {spec.Usage}");
        }

        return new ParsedCommand(spec, values, flags, positional, help);
    }

    private static bool LooksLikeNumber(string word) => word.Length > 1 && char.IsAsciiDigit(word[1]);

    private static string Expected(CommandSpec spec) =>
        spec.Switches.Count == 0 ? "it takes none" : "expected " + string.Join(", ", spec.Switches.Select(s => s.Usage));

    private CommandUsageException Unknown(string[] words)
    {
        var palette = Commands.Where(c => c.Palette == words[0]).ToList();
        var typed = string.Join(' ', words.Take(palette.Count > 0 || words.Length > 1 && words[1][0] != '-' ? 2 : 1));
        var close = Suggestions.Closest(typed, Commands.Select(c => c.Name));
        if (close.Count == 0 && palette.Count == 0)
        {
            close = Suggestions.Closest(words[0], Palettes);
        }

        var hint = close.Count > 0 ? $"; did you mean {string.Join(", ", close.Select(c => $"'{c}'"))}?" : "";
        var where = palette.Count > 0 ? $" ('help {words[0]}' lists its commands)" : " ('help' lists the commands)";
        return new CommandUsageException($"unknown command '{typed}'{hint}{where}");
    }
}
