using Akka.Event;

namespace EdgeTrain.Commands.Logging;

/// <summary>One log event kept for <c>log peek</c>.</summary>
public sealed record LogEntry(DateTime TimestampUtc, LogLevel Level, string Source, string Message);

/// <summary>
/// The newest log events of a node, at most <c>capacity</c> of them (the oldest go first), for
/// <c>log peek</c>. Thread-safe: the log collector adds while commands read.
/// </summary>
public sealed class LogRing
{
    private readonly LogEntry[] entries;
    private readonly object gate = new();
    private int next;
    private int count;

    /// <summary>A ring of <paramref name="capacity"/> entries.</summary>
    public LogRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        entries = new LogEntry[capacity];
    }

    /// <summary>Adds an entry, dropping the oldest when full.</summary>
    public void Add(LogEntry entry)
    {
        lock (gate)
        {
            entries[next] = entry;
            next = (next + 1) % entries.Length;
            count = Math.Min(count + 1, entries.Length);
        }
    }

    /// <summary>The newest <paramref name="max"/> entries at <paramref name="minimum"/> level or above, oldest first.</summary>
    public IReadOnlyList<LogEntry> Peek(int max, LogLevel minimum)
    {
        lock (gate)
        {
            var start = (next - count + entries.Length) % entries.Length;
            return [.. Enumerable.Range(0, count)
                .Select(i => entries[(start + i) % entries.Length])
                .Where(e => e.Level >= minimum)
                .TakeLast(max)];
        }
    }

    /// <summary>One entry as a line: <c>[INFO][12:00:01.123Z][akka://edgetrain/user/x] message</c>.</summary>
    public static string Format(LogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return $"[{Name(entry.Level)}][{entry.TimestampUtc:yyyy-MM-dd HH:mm:ss.fff}Z][{entry.Source}] {entry.Message}";
    }

    /// <summary>A level's name as Akka.NET prints it.</summary>
    public static string Name(LogLevel level) => level switch
    {
        LogLevel.DebugLevel => "DEBUG",
        LogLevel.InfoLevel => "INFO",
        LogLevel.WarningLevel => "WARNING",
        _ => "ERROR",
    };

    /// <summary>Reads a level name (debug, info, warning or warn, error), case-insensitively; null when it is none.</summary>
    public static LogLevel? Parse(string text) => text.ToUpperInvariant() switch
    {
        "DEBUG" => LogLevel.DebugLevel,
        "INFO" => LogLevel.InfoLevel,
        "WARNING" or "WARN" => LogLevel.WarningLevel,
        "ERROR" => LogLevel.ErrorLevel,
        _ => null,
    };
}
