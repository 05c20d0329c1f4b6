namespace EdgeTrain.Actors.Hosting;

/// <summary>
/// How long a node that the cluster let go waits before it joins again: doubling from one second
/// to a minute, and back to one second once an incarnation has stayed up for an hour.
/// </summary>
public static class RejoinBackoff
{
    /// <summary>The first wait.</summary>
    public static readonly TimeSpan First = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromMinutes(1);

    /// <summary>An incarnation up this long resets the back-off.</summary>
    public static readonly TimeSpan Healthy = TimeSpan.FromHours(1);

    /// <summary>The wait after an incarnation that lived <paramref name="uptime"/>, the previous wait being <paramref name="previous"/>.</summary>
    public static TimeSpan Next(TimeSpan previous, TimeSpan uptime)
    {
        if (uptime >= Healthy || previous < First)
        {
            return First;
        }

        var doubled = previous * 2;
        return doubled > Longest ? Longest : doubled;
    }
}
