using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.Logging;
using AkkaLogging = Akka.Event.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace EdgeTrain.Commands.Hosting;

/// <summary>
/// Routes ASP.NET Core's log (Kestrel, gRPC) into the node's Akka.NET log at warning level and
/// above, so that the programs' consoles stay as they were and problems still show up in one place.
/// </summary>
public sealed class AkkaLoggerProvider : ILoggerProvider
{
    private readonly ActorSystem system;

    /// <summary>A provider writing to <paramref name="system"/>'s log.</summary>
    public AkkaLoggerProvider(ActorSystem system) => this.system = system;

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new AkkaLogger(AkkaLogging.GetLogger(system, "cmd-host:" + categoryName));

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class AkkaLogger(ILoggingAdapter log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var text = formatter(state, exception) + (exception is null ? "" : ": " + exception.Message);
            if (logLevel == LogLevel.Warning)
            {
                log.Warning("{0}", text);
            }
            else
            {
                log.Error("{0}", text);
            }
        }
    }
}
