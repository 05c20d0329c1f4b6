using EdgeTrain.Core;
using EdgeTrain.Seed.Bench;
using EdgeTrain.Seed.Commands;
using EdgeTrain.Seed.Demo;

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
          seed --port P --data-dir D [--host H] [--seed HOST:PORT] [--roles ...] [--config F]
               [--cmd-port P] [--cmd-host H] [--dashboard-port P] [--dashboard-host H]
               [--gateway-port P] [--gateway-host H] [--ca DIR] [--enroll-port P] [--insecure]
                      run a seed node (the JobCoordinator) with a console and a command host for
                      edgetrain-cmd (default 127.0.0.1:9110; --cmd-port 0: none), and the
                      read-only dashboard, a web page of members, jobs, live curves, slices
                      and events (http://127.0.0.1:9111/; --dashboard-port 0: none), until Ctrl-C;
                      over mutual TLS with its identity in D/identity (node.crt, node.key, ca.crt),
                      or without TLS with --insecure (debugging only); with --ca DIR (the
                      cluster CA's folder, edgetrain ca init) it carries out edgetrain-cmd node
                      revoke and runs the enrolment listener (HTTPS, HTTP/2, port 9112 unless
                      --enroll-port or edgetrain.enrolment.port), where nodes trade a one-time
                      join token for a certificate of that CA; each enrolment is in the audit
                      log (node.enrol); with --gateway-port it is also a gateway (role gateway)
                      for devices behind NAT (edgetrain-node --via-gateway HOST:P)
          submit JOB.conf --seed HOST:PORT [--priority N] [--wait] [--json]
                      submit a job to a cluster; --priority overrides the job file's priority
                      (higher is served first); --wait follows it to the end
          status --seed HOST:PORT [--job ID] [--json]
                      show the cluster's jobs and the scheduler's queue (priority, why a job waits)
          watch --seed HOST:PORT [--job ID] [--interval 1s]
                      the live view of a cluster's jobs and nodes, until they end (exit 0 when
                      every one completed) or Ctrl-C
          demo --insecure --nodes N --job JOB.conf [--job JOB2.conf …] [--json] [--regions K]
               [--out DIR] [--chaos PLAN] [--cmd-port P] [--dashboard-port P]
                      start a seed and N nodes on this machine, submit every job (each with its
                      file's priority), train until all have ended, stop them all (without TLS:
                      the demo cannot enrol its nodes yet, so --insecure is required); the seed's
                      command host listens on --cmd-port (default 9110 when free), its
                      dashboard on --dashboard-port (default 9111 when free; 0: none);
                      PLAN: kill-busiest-at=15s, or kill-every=20s[,return-after=10s] (timed by,
                      and measured on, the first job), or kill-mid-round (SIGKILL to a node whose
                      trainer dropped out of a secure round: --adversaries K:drop-mid-round),
                      or kill-split-server (SIGKILL, 10 s in, to the node serving a split job's
                      layers after the cut)
          train-local --job JOB.conf [--json] [--out DIR] [--device auto|cpu|cuda] [--epochs N] [--init FILE]
                      [--key FILE] [--config F]
                      train the job in this process (the single-process baseline) until its
                      target accuracy, or exactly N epochs with --epochs; writes DIR/metrics.csv
                      and DIR/curves.png (default DIR: runs/local-<job>); --init FILE starts
                      from a checkpoint file instead of the job's initialisation (an encrypted
                      one with the storage key of --key, or of edgetrain.storage.key-file)
          checkpoint list|save|rollback|export --job ID --seed HOST:PORT [--id N] [--label L]
                      [--out FILE] [--json] [--key FILE] [--config F]
                      a job's checkpoints: save one (every slice at its version), list them,
                      roll every slice back to checkpoint N (bit for bit), or export one
                      (default the newest) to FILE for evaluate and train-local --init, as the
                      coordinator stores it (encrypted when it has a storage key; verified when
                      this command has the key too)
          audit verify --seed HOST:PORT [--trust FILE|sha256:ID ...] [--json]
          audit verify --file FILE [--trust ...] [--json]
                      check the coordinator's hash-chained, signed audit log (or an export of it):
                      prints "audit chain verified: N entries, head #N HASH" and exits 0, or names
                      the first entry that does not verify and why and exits 1; --trust accepts only
                      the given signer keys (a .pub.pem file or a key id)
          audit export --seed HOST:PORT --out FILE
                      write the whole audit log to FILE as JSON Lines
          audit key --data-dir DIR
                      the id of the audit signing key in a seed's data folder, for --trust
          evaluate --model FILE --job JOB.conf [--json] [--key FILE] [--config F]
                      score a checkpoint file with the job's model on its test set; an
                      encrypted file needs its storage key (--key, or edgetrain.storage.key-file
                      in a --config file or hocon/edgetrain.conf)
          key create --out FILE | key id --key FILE
                      write a new random storage key (encryption at rest) to FILE, readable by
                      its owner only and never over an existing file; or print a key file's id
          ca init --dir DIR [--name NAME]
                      create the cluster's own certificate authority in DIR (never over an
                      existing one): ca.crt, ca.key (mode 0600; keep it on the seed), and print
                      its pin
          token create --ca DIR [--ttl 1h] [--roles params,aggregator,trainer] [--endpoint URL]
                      make a one-time join token signed by the CA in DIR, for one node to enrol
                      with (ttl at most 30d; roles of seed, params, aggregator, trainer, gateway,
                      default params,aggregator,trainer; URL: the https enrolment endpoint);
                      the token is the last line printed; the node enrols with it:
                      edgetrain-node --seed HOST:PORT --enroll-file FILE (see edgetrain-node --help)
          bench scheduler --trainers N --jobs M [--seconds S] [--seed K] [--json] [--trace]
                      drive the coordinator's real state and scheduler through N simulated
                      trainer nodes and M jobs on a simulated clock (no network, no actors) and
                      print the latency of each scheduler round and trainer report, and the
                      state's memory (defaults: 1000 trainers, 20 jobs, 120 s); --trace
                      prints every round that decided something
          bench enrol [--count N] [--json]
                      time N enrolments (default 50) against a real enrolment listener on
                      127.0.0.1 with a temporary CA: token to certificate on disk
          bench gateway [--devices N] [--seconds S] [--interval-ms I] [--json]
                      two members over TLS on 127.0.0.1 (shards; a gateway) and N devices in a
                      child process (default 200), each on its own stream, pulling a 64 KiB
                      slice every I ms (default 1000); against the same pulls by the member:
                      devices held, latency the gateway adds, bytes and CPU per device
        """;

    private static int Unknown(string command, TextWriter error)
    {
        error.WriteLine($"edgetrain: unknown command '{command}'; expected seed, submit, status, watch, checkpoint, audit, evaluate, key, demo, train-local, ca, token or bench (see edgetrain --help)");
        return BadInput;
    }

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
            return args[0] switch
            {
                "train-local" => TrainLocalCommand.Run(rest, output, error, cancellation),
                "seed" => SeedCommand.RunAsync(rest, output, error, cancellation).GetAwaiter().GetResult(),
                "submit" => ClusterCommands.SubmitAsync(rest, output, error, cancellation).GetAwaiter().GetResult(),
                "status" => ClusterCommands.StatusAsync(rest, output, error).GetAwaiter().GetResult(),
                "watch" => WatchCommand.RunAsync(rest, output, error, cancellation).GetAwaiter().GetResult(),
                "checkpoint" => CheckpointCommands.RunAsync(rest, output, error).GetAwaiter().GetResult(),
                "audit" => AuditCommands.RunAsync(rest, output, error).GetAwaiter().GetResult(),
                "evaluate" => EvaluateCommand.Run(rest, output),
                "key" => KeyCommand.Run(rest, output),
                "demo" => DemoCommand.RunAsync(rest, output, error, cancellation).GetAwaiter().GetResult(),
                "ca" => CaCommand.Run(rest, output),
                "token" => TokenCommand.Run(rest, output),
                "bench" => BenchCommand.Run(rest, output, error),
                _ => Unknown(args[0], error),
            };
        }
        catch (InvalidInputException e)
        {
            error.WriteLine($"edgetrain: {e.Message}");
            return BadInput;
        }
    }
}
