using EdgeTrain.Core;
using EdgeTrain.Node;

if (args is ["-h" or "--help" or "help"])
{
    Console.WriteLine(NodeCommand.Usage);
    return 0;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // the first Ctrl-C leaves the cluster gracefully; a second one ends the process
    if (!stop.IsCancellationRequested)
    {
        e.Cancel = true;
        stop.Cancel();
    }
};

try
{
    return await NodeCommand.RunAsync(args, Console.Out, Console.Error, stop.Token);
}
catch (InvalidInputException e)
{
    Console.Error.WriteLine($"edgetrain-node: {e.Message}");
    return 2;
}
