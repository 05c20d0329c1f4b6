namespace EdgeTrain.Enrolment.Client;

/// <summary>When a node renews its certificate: once less than <c>edgetrain.enrolment.renew-before</c> is left of it.</summary>
public static class RenewalPolicy
{
    /// <summary>True when the certificate valid until <paramref name="notAfter"/> is to be renewed at <paramref name="now"/>.</summary>
    public static bool IsDue(DateTimeOffset notAfter, DateTimeOffset now, TimeSpan renewBefore) => notAfter - now <= renewBefore;

    /// <summary>True when it has expired at <paramref name="now"/> (a renewal cannot help then: the node enrols again).</summary>
    public static bool IsExpired(DateTimeOffset notAfter, DateTimeOffset now) => now >= notAfter;

    /// <summary>How long until the renewal is due (zero when it is).</summary>
    public static TimeSpan Until(DateTimeOffset notAfter, DateTimeOffset now, TimeSpan renewBefore)
    {
        var left = notAfter - renewBefore - now;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
