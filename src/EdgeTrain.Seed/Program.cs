using EdgeTrain.Seed.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // the first Ctrl-C stops training cleanly; a second one ends the process
    if (!cancellation.IsCancellationRequested)
    {
        e.Cancel = true;
        cancellation.Cancel();
    }
};

return SeedCli.Run(args, Console.Out, Console.Error, cancellation.Token);
