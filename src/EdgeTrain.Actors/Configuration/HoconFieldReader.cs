using System.Globalization;
using Akka.Configuration;
using EdgeTrain.Core;

namespace EdgeTrain.Actors.Configuration;

/// <summary>
/// Typed, validated reads from one HOCON block with defaults behind it. Every failure is an
/// <see cref="InvalidInputException"/> naming the source file, the full key (for example
/// <c>job.optimizer.learning-rate</c>) and what was expected.
/// </summary>
public sealed class HoconFieldReader
{
    private readonly Config values;
    private readonly Config defaults;
    private readonly string source;
    private readonly string prefix;

    /// <summary>Reads keys below <paramref name="prefix"/> of <paramref name="values"/>, falling back to <paramref name="defaults"/>.</summary>
    public HoconFieldReader(Config values, Config defaults, string source, string prefix)
    {
        this.values = values ?? throw new ArgumentNullException(nameof(values));
        this.defaults = defaults ?? Config.Empty;
        this.source = source;
        this.prefix = prefix;
    }

    /// <summary>True when the block itself (not the defaults) sets <paramref name="key"/>.</summary>
    public bool Has(string key) => values.HasPath(key);

    /// <summary>The full key, for messages.</summary>
    public string FullKey(string key) => string.IsNullOrEmpty(prefix) ? key : $"{prefix}.{key}";

    /// <summary>An error about <paramref name="key"/>.</summary>
    public InvalidInputException Error(string key, string problem) => new(source, FullKey(key), problem);

    /// <summary>A non-empty string that the block must set.</summary>
    public string RequiredString(string key, string expected)
    {
        Require(key, expected);
        return String(key, expected);
    }

    /// <summary>A non-empty string, from the block or the defaults.</summary>
    public string String(string key, string expected)
    {
        var config = Pick(key, expected);
        string? text;
        try
        {
            text = config.GetString(key);
        }
        catch (Exception e) when (e is not InvalidInputException)
        {
            throw Error(key, $"expected {expected}, found {Raw(config, key)}");
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            throw Error(key, $"expected {expected}, found an empty value");
        }

        return text;
    }

    /// <summary>One of <paramref name="choices"/> (compared without case), mapped to its value.</summary>
    public T Choice<T>(string key, IReadOnlyDictionary<string, T> choices, bool required)
    {
        ArgumentNullException.ThrowIfNull(choices);
        var expected = "one of " + string.Join(", ", choices.Keys);
        var text = required ? RequiredString(key, expected) : String(key, expected);
        foreach (var (name, value) in choices)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw Error(key, $"expected {expected}, found '{text}'");
    }

    /// <summary>A switch: <c>on</c>/<c>off</c>, <c>true</c>/<c>false</c> or <c>yes</c>/<c>no</c>.</summary>
    public bool Bool(string key)
    {
        const string expected = "on or off";
        var config = Pick(key, expected);
        return RawText(config, key)?.ToLowerInvariant() switch
        {
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            _ => throw Error(key, $"expected {expected}, found {Raw(config, key)}"),
        };
    }

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Int(string key, int min, int max, bool required = false)
    {
        var number = Double(key, min, max, required);
        if (number != Math.Floor(number))
        {
            throw Error(key, $"expected a whole number from {min} to {max}, found {number.ToString(CultureInfo.InvariantCulture)}");
        }

        return (int)number;
    }

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>]; <paramref name="exclusiveMin"/> leaves out <paramref name="min"/> itself.</summary>
    public double Double(string key, double min, double max, bool required = false, bool exclusiveMin = false, bool exclusiveMax = false)
    {
        var range = $"a number {(exclusiveMin ? "above" : "from")} {Show(min)} {(exclusiveMax ? "and below" : "to")} {Show(max)}";
        if (required)
        {
            Require(key, range);
        }

        var config = Pick(key, range);
        var text = RawText(config, key);
        if (text is null || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            throw Error(key, $"expected {range}, found {Raw(config, key)}");
        }

        var below = exclusiveMin ? number <= min : number < min;
        var above = exclusiveMax ? number >= max : number > max;
        if (!double.IsFinite(number) || below || above)
        {
            throw Error(key, $"expected {range}, found {Show(number)}");
        }

        return number;
    }

    /// <summary>A list of whole numbers, each in [<paramref name="min"/>, <paramref name="max"/>], with <paramref name="minCount"/> to <paramref name="maxCount"/> items.</summary>
    public IReadOnlyList<int> IntList(string key, int min, int max, int minCount, int maxCount)
    {
        var expected = $"a list of {minCount} to {maxCount} whole numbers from {min} to {max}, such as [{min}]";
        var config = Pick(key, expected);
        IList<int> items;
        try
        {
            if (!config.GetValue(key).IsArray())
            {
                throw Error(key, $"expected {expected}, found {Raw(config, key)}");
            }

            items = config.GetIntList(key);
        }
        catch (Exception e) when (e is not InvalidInputException)
        {
            throw Error(key, $"expected {expected}, found {Raw(config, key)}");
        }

        if (items.Count < minCount || items.Count > maxCount || items.Any(i => i < min || i > max))
        {
            throw Error(key, $"expected {expected}, found [{string.Join(", ", items)}]");
        }

        // a plain array: collection expressions make compiler-generated types that Hyperion's allow-list refuses
        return items.ToArray();
    }

    /// <summary>A positive duration in HOCON form (<c>90s</c>, <c>10m</c>, <c>1h</c>).</summary>
    public TimeSpan Duration(string key)
    {
        const string expected = "a positive duration such as 90s, 10m or 1h";
        var config = Pick(key, expected);
        TimeSpan span;
        try
        {
            span = config.GetTimeSpan(key, null, allowInfinite: false);
        }
        catch (Exception e) when (e is not InvalidInputException)
        {
            throw Error(key, $"expected {expected}, found {Raw(config, key)}");
        }

        if (span <= TimeSpan.Zero)
        {
            throw Error(key, $"expected {expected}, found {Raw(config, key)}");
        }

        return span;
    }

    /// <summary>
    /// A duration that can be switched off: <c>off</c>, <c>0</c> or a zero duration give
    /// <see cref="TimeSpan.Zero"/>; anything else must be a positive duration (<c>500ms</c>, <c>2s</c>).
    /// </summary>
    public TimeSpan DurationOrOff(string key)
    {
        const string expected = "off or a positive duration such as 500ms or 2s";
        var config = Pick(key, expected);
        if (RawText(config, key)?.Trim() is { } text && (string.Equals(text, "off", StringComparison.OrdinalIgnoreCase) || text == "0"))
        {
            return TimeSpan.Zero;
        }

        TimeSpan span;
        try
        {
            span = config.GetTimeSpan(key, null, allowInfinite: false);
        }
        catch (Exception e) when (e is not InvalidInputException)
        {
            throw Error(key, $"expected {expected}, found {Raw(config, key)}");
        }

        if (span < TimeSpan.Zero)
        {
            throw Error(key, $"expected {expected}, found {Raw(config, key)}");
        }

        return span;
    }

    private void Require(string key, string expected)
    {
        if (!values.HasPath(key))
        {
            throw Error(key, $"missing; expected {expected}");
        }
    }

    private Config Pick(string key, string expected)
    {
        if (values.HasPath(key))
        {
            return values;
        }

        if (defaults.HasPath(key))
        {
            return defaults;
        }

        throw Error(key, $"missing; expected {expected}");
    }

    private static string Raw(Config config, string key) =>
        RawText(config, key) is { } text ? $"'{text}'" : "a value that is not a single item";

    private static string? RawText(Config config, string key)
    {
        try
        {
            var value = config.GetValue(key);
            return value is null || !value.IsString() ? null : value.GetString();
        }
        catch (Exception e) when (e is ConfigurationException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static string Show(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
