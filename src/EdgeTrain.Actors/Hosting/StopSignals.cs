using System.Runtime.InteropServices;

namespace EdgeTrain.Actors.Hosting;

/// <summary>
/// The signals that tell a program to stop: SIGTERM (systemd, Docker and Kubernetes stop a process
/// with it), SIGINT (Ctrl-C), SIGQUIT (Ctrl-\) and SIGHUP (the terminal closed). The first one cancels
/// <see cref="Token"/> and keeps the process alive, so that the program stops in order (a node leaves
/// the cluster); a second one ends the process at once, with exit code 0.
/// </summary>
/// <remarks>
/// The programs' nodes run with <c>akka.coordinated-shutdown.run-by-clr-shutdown-hook = off</c>
/// (<see cref="ClusterConfigBuilder.ForNode"/>): with it on, Akka registers SIGTERM and SIGINT itself
/// and shuts the ActorSystem down for a reason a node cannot tell from being downed. A signal that the
/// process inherited as ignored (<c>nohup</c>, a background job of a script) stays ignored.
/// </remarks>
public sealed class StopSignals : IDisposable
{
    private static readonly PosixSignal[] Handled = [PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP];

    private readonly CancellationTokenSource source = new();
    private readonly List<PosixSignalRegistration> registrations = [];
    private readonly string program;
    private readonly TextWriter log;
    private int received;

    private StopSignals(string program, TextWriter log)
    {
        this.program = program;
        this.log = log;
    }

    /// <summary>Cancelled by the first stop signal.</summary>
    public CancellationToken Token => source.Token;

    /// <summary>
    /// Handles the stop signals until disposed; says on <paramref name="log"/>, as <paramref name="program"/>,
    /// which signal arrived.
    /// </summary>
    public static StopSignals Register(string program, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(log);
        var signals = new StopSignals(program, log);
        foreach (var signal in Handled)
        {
            signals.registrations.Add(PosixSignalRegistration.Create(signal, signals.OnSignal));
        }

        return signals;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }

        source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref received) > 1)
        {
            log.WriteLine($"{program}: {context.Signal} again: ending now");
            Environment.Exit(0);
        }

        log.WriteLine($"{program}: {context.Signal}: stopping (send it again to end at once)");
        source.Cancel();
    }
}
