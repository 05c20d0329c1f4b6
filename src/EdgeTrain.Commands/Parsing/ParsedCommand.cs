using System.Globalization;

namespace EdgeTrain.Commands.Parsing;

/// <summary>A command line matched to its <see cref="CommandSpec"/>, with its switch values (by long name) and positional argument.</summary>
public sealed class ParsedCommand
{
    private readonly IReadOnlyDictionary<string, string> values;
    private readonly IReadOnlySet<string> flags;

    internal ParsedCommand(CommandSpec spec, IReadOnlyDictionary<string, string> values, IReadOnlySet<string> flags, string? positional, bool help)
    {
        Spec = spec;
        this.values = values;
        this.flags = flags;
        Positional = positional;
        HelpRequested = help;
    }

    /// <summary>The command.</summary>
    public CommandSpec Spec { get; }

    /// <summary>The positional argument, if given.</summary>
    public string? Positional { get; }

    /// <summary>True when <c>-h</c> or <c>--help</c> followed the command.</summary>
    public bool HelpRequested { get; }

    /// <summary>The value of switch <paramref name="longName"/> (e.g. <c>--address</c>), or null.</summary>
    public string? Value(string longName) => values.GetValueOrDefault(longName);

    /// <summary>True when flag <paramref name="longName"/> was given.</summary>
    public bool Flag(string longName) => flags.Contains(longName);

    /// <summary>A whole-number switch (signed where <paramref name="min"/> is negative) from <paramref name="min"/> to <paramref name="max"/>, or <paramref name="fallback"/>.</summary>
    /// <exception cref="CommandUsageException">the value is not such a number.</exception>
    public int Int(string longName, int fallback, int min, int max)
    {
        if (Value(longName) is not { } text)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new CommandUsageException($"{Spec.Name}: {longName} expects a whole number from {min} to {max}, found '{text}'");
    }
}
