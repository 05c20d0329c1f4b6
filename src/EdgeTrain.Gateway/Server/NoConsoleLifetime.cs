using Microsoft.Extensions.Hosting;

namespace EdgeTrain.Gateway.Server;

/// <summary>A host lifetime that leaves Ctrl-C and SIGTERM alone: the program stops the gateway's listener itself.</summary>
internal sealed class NoConsoleLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
