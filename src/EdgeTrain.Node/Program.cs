using EdgeTrain.Actors.Hosting;
using EdgeTrain.Core;
using EdgeTrain.Node;

if (args is ["-h" or "--help" or "help"])
{
    Console.WriteLine(NodeCommand.Usage);
    return 0;
}

// SIGTERM (systemd, Docker, Kubernetes) or Ctrl-C: a member leaves gracefully, any other node stops
// at once; a second signal ends the process
using var signals = StopSignals.Register("edgetrain-node", Console.Error);

try
{
    return await NodeCommand.RunAsync(args, Console.Out, Console.Error, signals.Token);
}
catch (InvalidInputException e)
{
    Console.Error.WriteLine($"edgetrain-node: {e.Message}");
    return 2;
}
