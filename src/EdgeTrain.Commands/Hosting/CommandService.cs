using EdgeTrain.Commands.Protocol;
using Grpc.Core;

namespace EdgeTrain.Commands.Hosting;

/// <summary>
/// The gRPC service of the command host: runs each <see cref="CommandRequest"/> through the
/// <see cref="CommandExecutor"/> and streams its lines back, ending with the exit code. The call's
/// cancellation (the client's Ctrl-C) or the host stopping ends a streaming command.
/// </summary>
public sealed class CommandService : Protocol.CommandHost.CommandHostBase
{
    private readonly CommandExecutor executor;
    private readonly HostStopping stopping;

    /// <summary>Creates the service (per call, by ASP.NET Core).</summary>
    public CommandService(CommandExecutor executor, HostStopping stopping)
    {
        this.executor = executor;
        this.stopping = stopping;
    }

    /// <inheritdoc />
    public override async Task Execute(CommandRequest request, IServerStreamWriter<CommandOutput> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping.Token);
        using var gate = new SemaphoreSlim(1, 1);

        // a stream takes one write at a time
        async Task Write(CommandOutput output)
        {
            await gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await responseStream.WriteAsync(output, cancellation.Token).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }

        var exit = await executor.ExecuteAsync(
            [.. request.Argv],
            request.Token,
            context.Peer,
            text => Write(new CommandOutput { Line = text }),
            text => Write(new CommandOutput { Error = text }),
            cancellation.Token).ConfigureAwait(false);
        if (!context.CancellationToken.IsCancellationRequested)
        {
            await Write(new CommandOutput { ExitCode = exit }).ConfigureAwait(false);
        }
    }
}
