using Akka.Configuration;
using EdgeTrain.Actors.Configuration;
using EdgeTrain.Core;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

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

    [Fact]
    public void No_storage_key_is_configured_by_default()
    {
        Assert.Null(EdgeTrainSettings.Create(Config.Empty).StorageKey);
    }

    [Fact]
    public void The_storage_key_file_is_read_with_the_settings_and_a_missing_one_is_named()
    {
        using var folder = new TempFolder();
        var path = folder.File("storage.key");
        var created = StorageKey.CreateFile(path);
        var missing = folder.File("missing.key");

        var settings = EdgeTrainSettings.Create(ConfigurationFactory.ParseString($"edgetrain.storage.key-file = \"{path.Replace("\\", "/", StringComparison.Ordinal)}\""));
        var e = Assert.Throws<InvalidInputException>(() => EdgeTrainSettings.Create(ConfigurationFactory.ParseString($"edgetrain.storage.key-file = \"{missing.Replace("\\", "/", StringComparison.Ordinal)}\"")));

        Assert.Equal(created.Id, settings.StorageKey?.Id);
        Assert.DoesNotContain(File.ReadAllText(path).Trim(), settings.ToString(), StringComparison.Ordinal);
        Assert.StartsWith(missing.Replace("\\", "/", StringComparison.Ordinal) + ": storage key file not found", e.Message, StringComparison.Ordinal);
    }
}
