using Microsoft.Extensions.Hosting;

namespace EdgeTrain.Commands.Hosting;

/// <summary>
/// A host lifetime that leaves Ctrl-C and SIGTERM alone: the programs handle them (a node leaves the
/// cluster gracefully) and stop the command host themselves.
/// </summary>
internal sealed class NoConsoleLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
