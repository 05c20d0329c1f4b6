using System.Globalization;

namespace EdgeTrain.Commands.Formatting;

/// <summary>How long ago something happened, for people: <c>0.4 s ago</c>, <c>12 s ago</c>, <c>3 min ago</c>, <c>never</c>.</summary>
public static class Ages
{
    /// <summary>The age of <paramref name="atUtc"/> at <paramref name="nowUtc"/>; MinValue and null are "never".</summary>
    public static string Ago(DateTime? atUtc, DateTime nowUtc)
    {
        if (atUtc is not { } at || at == DateTime.MinValue)
        {
            return "never";
        }

        var age = nowUtc - at;
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age.TotalSeconds switch
        {
            < 10 => string.Create(CultureInfo.InvariantCulture, $"{age.TotalSeconds:0.0} s ago"),
            < 120 => string.Create(CultureInfo.InvariantCulture, $"{age.TotalSeconds:0} s ago"),
            < 7200 => string.Create(CultureInfo.InvariantCulture, $"{age.TotalMinutes:0} min ago"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{age.TotalHours:0} h ago"),
        };
    }
}
