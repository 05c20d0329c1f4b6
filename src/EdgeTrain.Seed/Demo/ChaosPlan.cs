using System.Globalization;
using EdgeTrain.Core;

namespace EdgeTrain.Seed.Demo;

/// <summary>
/// What the demo's <c>--chaos</c> switch asks for: <c>kill-busiest-at=15s</c> sends SIGKILL once, 15 s
/// into training, to the node hosting the most slices; <c>kill-every=20s</c> does so every 20 s, and
/// the killed node comes back as a returning volunteer after <c>return-after</c> (default 10 s).
/// Parts are comma-separated: <c>kill-every=20s,return-after=5s</c>. <c>kill-mid-round</c> sends SIGKILL to
/// every node whose trainer dropped out of a secure round mid-way (<c>--adversaries K:drop-mid-round</c>: it
/// sent its keys and shares, not its masked vector), as soon as its log says so. <c>kill-split-server</c> sends
/// SIGKILL once to the node whose log says it serves a split job's layers after the cut, 10 s into training.
/// </summary>
internal sealed record ChaosPlan(TimeSpan? KillBusiestAt, TimeSpan? KillEvery, TimeSpan ReturnAfter, bool KillMidRound = false, bool KillSplitServer = false)
{
    /// <summary>Parses the switch's value.</summary>
    /// <exception cref="InvalidInputException">an unknown part or a malformed duration.</exception>
    public static ChaosPlan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        TimeSpan? at = null;
        TimeSpan? every = null;
        var back = TimeSpan.FromSeconds(10);
        var midRound = false;
        var splitServer = false;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (key, value) = part.Split('=', 2) is [var k, var v] ? (k, v) : (part, "");
            switch (key)
            {
                case "kill-busiest-at":
                    at = Duration(value, key);
                    break;
                case "kill-every":
                    every = Duration(value, key);
                    break;
                case "return-after":
                    back = Duration(value, key);
                    break;
                case "kill-mid-round" when value.Length == 0:
                    midRound = true;
                    break;
                case "kill-split-server" when value.Length == 0:
                    splitServer = true;
                    break;
                default:
                    throw new InvalidInputException("command line", "--chaos", $"unknown part '{part}'; expected kill-busiest-at=DURATION, kill-every=DURATION, return-after=DURATION, kill-mid-round or kill-split-server");
            }
        }

        if (at is null && every is null && !midRound && !splitServer)
        {
            throw new InvalidInputException("command line", "--chaos", $"'{text}' kills nothing; expected kill-busiest-at=DURATION, kill-every=DURATION, kill-mid-round or kill-split-server");
        }

        return new ChaosPlan(at, every, back, midRound, splitServer);
    }

    /// <summary>True when a kill is due after <paramref name="elapsed"/> of training with <paramref name="kills"/> done.</summary>
    public bool KillDue(TimeSpan elapsed, int kills)
    {
        if (KillEvery is { } every)
        {
            return elapsed >= every * (kills + 1);
        }

        return kills == 0 && KillBusiestAt is { } at && elapsed >= at;
    }

    /// <summary>True when killed nodes come back (with <c>kill-every</c>).</summary>
    public bool NodesReturn => KillEvery is not null;

    private static TimeSpan Duration(string value, string key)
    {
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60) };
        foreach (var (suffix, seconds) in units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(value[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && number > 0 && double.IsFinite(number))
            {
                return TimeSpan.FromSeconds(number * seconds);
            }
        }

        throw new InvalidInputException("command line", "--chaos", $"{key}: expected a duration such as 15s, 500ms or 2m, found '{value}'");
    }
}
