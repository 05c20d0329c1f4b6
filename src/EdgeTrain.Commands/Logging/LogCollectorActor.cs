using Akka.Actor;
using Akka.Event;

namespace EdgeTrain.Commands.Logging;

/// <summary>Keeps every log event published on the node's event stream in a <see cref="LogRing"/> for <c>log peek</c>.</summary>
public sealed class LogCollectorActor : ReceiveActor
{
    /// <summary>Creates the collector writing into <paramref name="ring"/>.</summary>
    public LogCollectorActor(LogRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        Receive<LogEvent>(e => ring.Add(new LogEntry(e.Timestamp.ToUniversalTime(), e.LogLevel(), e.LogSource ?? "", e.Message?.ToString() ?? "")));
    }

    /// <summary>Props for the collector.</summary>
    public static Props Props(LogRing ring) => Akka.Actor.Props.Create(() => new LogCollectorActor(ring));

    /// <inheritdoc />
    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(LogEvent));

    /// <inheritdoc />
    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
