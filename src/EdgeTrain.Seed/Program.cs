using EdgeTrain.Actors.Hosting;
using EdgeTrain.Seed.Cli;

// the first SIGTERM or Ctrl-C stops the command cleanly (a seed leaves the cluster, training stops);
// a second one ends the process
using var signals = StopSignals.Register("edgetrain", Console.Error);

return SeedCli.Run(args, Console.Out, Console.Error, signals.Token);
