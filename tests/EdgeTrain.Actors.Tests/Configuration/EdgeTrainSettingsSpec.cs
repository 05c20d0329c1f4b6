using Akka.Configuration;
using EdgeTrain.Actors.Configuration;

namespace EdgeTrain.Actors.Tests.Configuration;

public sealed class EdgeTrainSettingsSpec
{
    [Fact]
    public void The_trainer_s_intervals_come_from_reference_conf()
    {
        var settings = EdgeTrainSettings.Create(Config.Empty);

        Assert.Equal(TimeSpan.FromSeconds(5), settings.PullTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(20), settings.MergeWaitPoll);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.NotReadyRetry);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.ReportInterval);
    }

    [Fact]
    public void The_trainer_s_intervals_can_be_set()
    {
        var settings = EdgeTrainSettings.Create(ConfigurationFactory.ParseString("""
            edgetrain.training {
              pull-timeout = 2s
              merge-wait-poll = 5ms
              not-ready-retry = 1s
            }
            """));

        Assert.Equal(TimeSpan.FromSeconds(2), settings.PullTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(5), settings.MergeWaitPoll);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.NotReadyRetry);
    }
}
