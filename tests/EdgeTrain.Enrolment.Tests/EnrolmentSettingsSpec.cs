using Akka.Configuration;
using EdgeTrain.Core;

namespace EdgeTrain.Enrolment.Tests;

public sealed class EnrolmentSettingsSpec
{
    [Fact]
    public void The_reference_configuration_gives_the_documented_defaults()
    {
        var settings = EnrolmentSettings.Default;

        Assert.Equal("0.0.0.0", settings.Host);
        Assert.Equal(9112, settings.Port);
        Assert.Equal(TimeSpan.FromDays(30), settings.CertificateValidity);
        Assert.Equal(TimeSpan.FromDays(7), settings.RenewBefore);
        Assert.Equal(16 * 1024, settings.MaxRequestSize);
        Assert.Empty(settings.ServerNames);
    }

    [Fact]
    public void Overrides_are_read_and_values_out_of_range_name_their_key()
    {
        var settings = EnrolmentSettings.Create(ConfigurationFactory.ParseString("edgetrain.enrolment { port = 7000, server-names = [\"seed.lan\"], renew-before = 2d }"));
        Assert.Equal(7000, settings.Port);
        Assert.Equal(["seed.lan"], settings.ServerNames);
        Assert.Equal(TimeSpan.FromDays(2), settings.RenewBefore);

        var e = Assert.Throws<InvalidInputException>(() => EnrolmentSettings.Create(ConfigurationFactory.ParseString("edgetrain.enrolment.renew-before = 40d")));
        Assert.Equal("edgetrain.enrolment.renew-before", e.Key);
    }
}
