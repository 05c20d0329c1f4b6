using EdgeTrain.Core;
using EdgeTrain.Seed.Commands;

namespace EdgeTrain.Seed.Cli;

/// <summary>
/// Entry point of <c>edgetrain</c>: dispatches to a command. Exit codes: 0 success, 1 the command
/// failed, 2 bad input or usage (one line on standard error naming the file, key and what was expected).
/// </summary>
public static class SeedCli
{
    /// <summary>Exit code of a successful command.</summary>
    public const int Success = 0;

    /// <summary>Exit code of a command that ran and failed.</summary>
    public const int Failure = 1;

    /// <summary>Exit code of bad input or a usage error.</summary>
    public const int BadInput = 2;

    private const string Usage = """
        usage: edgetrain COMMAND [OPTIONS]

        commands:
          train-local --job JOB.conf [--json] [--out DIR] [--device auto|cpu|cuda] [--epochs N]
                      train the job in this process (the single-process baseline) until its
                      target accuracy, or exactly N epochs with --epochs; writes DIR/metrics.csv
                      and DIR/curves.png (default DIR: runs/local-<job>)
        """;

    /// <summary>Runs the command in <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Count == 0 ? error : output).WriteLine(Usage);
            return args.Count == 0 ? BadInput : Success;
        }

        try
        {
            var rest = args.Skip(1).ToArray();
            switch (args[0])
            {
                case "train-local":
                    return TrainLocalCommand.Run(rest, output, error, cancellation);
                default:
                    error.WriteLine($"edgetrain: unknown command '{args[0]}'; expected train-local (see edgetrain --help)");
                    return BadInput;
            }
        }
        catch (InvalidInputException e)
        {
            error.WriteLine($"edgetrain: {e.Message}");
            return BadInput;
        }
    }
}
