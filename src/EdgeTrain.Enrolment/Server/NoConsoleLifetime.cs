using Microsoft.Extensions.Hosting;

namespace EdgeTrain.Enrolment.Server;

/// <summary>
/// A host lifetime that leaves Ctrl-C and SIGTERM alone: the seed handles them and stops the enrolment
/// listener itself.
/// </summary>
internal sealed class NoConsoleLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
