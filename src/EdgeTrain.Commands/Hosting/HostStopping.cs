namespace EdgeTrain.Commands.Hosting;

/// <summary>Cancelled when the command host stops, so that streaming commands end and the server can close.</summary>
public sealed class HostStopping : IDisposable
{
    private readonly CancellationTokenSource source = new();

    /// <summary>The token.</summary>
    public CancellationToken Token => source.Token;

    /// <summary>Ends every running command.</summary>
    public void Stop() => source.Cancel();

    /// <inheritdoc />
    public void Dispose() => source.Dispose();
}
