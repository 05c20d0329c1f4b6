using EdgeTrain.Enrolment.Client;

namespace EdgeTrain.Enrolment.Tests.Client;

public sealed class RenewalPolicySpec
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(30, false)]
    [InlineData(8, false)]
    [InlineData(7, true)]
    [InlineData(1, true)]
    [InlineData(-1, true)]
    public void A_certificate_is_due_within_renew_before_of_its_expiry(int daysLeft, bool due)
    {
        Assert.Equal(due, RenewalPolicy.IsDue(Now.AddDays(daysLeft), Now, TimeSpan.FromDays(7)));
    }

    [Fact]
    public void Expiry_and_the_time_until_renewal()
    {
        Assert.True(RenewalPolicy.IsExpired(Now, Now));
        Assert.False(RenewalPolicy.IsExpired(Now.AddSeconds(1), Now));
        Assert.Equal(TimeSpan.FromDays(23), RenewalPolicy.Until(Now.AddDays(30), Now, TimeSpan.FromDays(7)));
        Assert.Equal(TimeSpan.Zero, RenewalPolicy.Until(Now.AddDays(3), Now, TimeSpan.FromDays(7)));
    }
}
