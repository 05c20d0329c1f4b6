using Akka.Event;
using EdgeTrain.Commands.Logging;

namespace EdgeTrain.Commands.Tests.Logging;

public sealed class LogRingSpec
{
    private static LogEntry Entry(int i, LogLevel level) => new(new DateTime(2026, 1, 1, 0, 0, i, DateTimeKind.Utc), level, "src", $"message {i}");

    [Fact]
    public void The_ring_keeps_the_newest_entries_and_peek_filters_by_level_oldest_first()
    {
        var ring = new LogRing(4);
        for (var i = 0; i < 6; i++)
        {
            ring.Add(Entry(i, i % 2 == 0 ? LogLevel.InfoLevel : LogLevel.WarningLevel));
        }

        Assert.Equal(["message 2", "message 3", "message 4", "message 5"], ring.Peek(10, LogLevel.DebugLevel).Select(e => e.Message));
        Assert.Equal(["message 3", "message 5"], ring.Peek(10, LogLevel.WarningLevel).Select(e => e.Message));
        Assert.Equal(["message 5"], ring.Peek(1, LogLevel.InfoLevel).Select(e => e.Message));
    }

    [Fact]
    public void Levels_read_and_print_as_akka_names_them()
    {
        Assert.Equal(LogLevel.WarningLevel, LogRing.Parse("warn"));
        Assert.Equal(LogLevel.ErrorLevel, LogRing.Parse("ERROR"));
        Assert.Null(LogRing.Parse("loud"));
        Assert.Equal("[WARNING][2026-01-01 00:00:03.000Z][src] message 3", LogRing.Format(Entry(3, LogLevel.WarningLevel)));
    }
}
