using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Actors.Jobs;
using EdgeTrain.Commands.Logging;
using EdgeTrain.Commands.Palettes;
using EdgeTrain.Commands.Parsing;
using EdgeTrain.Core.Audit;

namespace EdgeTrain.Commands.Hosting;

/// <summary>
/// Runs one command line against the node: parses it, refuses a mutating command without the right
/// token (and logs the refusal with the client's address), records a mutating command in the coordinator's
/// audit log unless the coordinator records it itself, runs the command and turns its outcome
/// into an exit code: 0 success, 1 failed (or refused), 2 usage error.
/// </summary>
public sealed class CommandExecutor
{
    private readonly EdgeTrainNode node;
    private readonly CommandHostSettings settings;
    private readonly TokenCheck token;
    private readonly LogRing logs;
    private readonly ILoggingAdapter log;
    private readonly IActorRef coordinator;

    /// <summary>
    /// An executor for <paramref name="node"/>; its job and node commands ask the node's JobCoordinator
    /// proxy, or <paramref name="coordinator"/> when given (a stand-in that answers as the coordinator would).
    /// </summary>
    public CommandExecutor(EdgeTrainNode node, CommandHostSettings settings, LogRing logs, IActorRef? coordinator = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(settings);
        this.node = node;
        this.coordinator = coordinator ?? node.Coordinator;
        this.settings = settings;
        this.logs = logs;
        token = new TokenCheck(settings.Token);
        log = Akka.Event.Logging.GetLogger(node.System, "edgetrain-cmd");
    }

    /// <summary>Runs <paramref name="argv"/> for <paramref name="peer"/>, writing output through <paramref name="line"/> and <paramref name="error"/>.</summary>
    public async Task<int> ExecuteAsync(IReadOnlyList<string> argv, string? givenToken, string peer, Func<string, Task> line, Func<string, Task> error, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(error);
        var commandLine = string.Join(' ', argv);
        try
        {
            var parsed = AllPalettes.Parser.Parse(argv);
            if (parsed.HelpRequested)
            {
                foreach (var text in AllPalettes.CommandHelp(parsed.Spec))
                {
                    await line(text).ConfigureAwait(false);
                }

                return ExitCodes.Success;
            }

            if (parsed.Spec.Mutating && token.Refusal(parsed.Spec.Name, givenToken) is { } refusal)
            {
                log.Warning("edgetrain-cmd: refused '{0}' from {1}: {2}", commandLine, peer, string.IsNullOrEmpty(givenToken) ? "no token given" : token.Configured ? "wrong token" : "no token configured");
                await error($"edgetrain-cmd: {refusal}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            var command = AllPalettes.Commands.First(c => c.Spec == parsed.Spec);
            if (parsed.Spec.Mutating)
            {
                log.Info("edgetrain-cmd: '{0}' from {1}", commandLine, peer);
                if (!command.RecordedByCoordinator)
                {
                    await RecordAsync(parsed.Spec.Name, commandLine, peer, error, cancellation).ConfigureAwait(false);
                }
            }

            var context = new CommandContext(node, settings, logs, peer, line, error, cancellation) { Coordinator = coordinator };
            return await command.Run(parsed, context).ConfigureAwait(false);
        }
        catch (CommandUsageException e)
        {
            await error($"edgetrain-cmd: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (CommandFailedException e)
        {
            await error($"edgetrain-cmd: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
    }

    // A mutating command the coordinator does not carry out goes into its audit log before it runs. A
    // coordinator that does not answer (it may be on the very node being downed) does not stop the command:
    // the client is told that it is not recorded, and so is this node's log.
    private async Task RecordAsync(string name, string commandLine, string peer, Func<string, Task> error, CancellationToken cancellation)
    {
        var cluster = Akka.Cluster.Cluster.Get(node.System);
        string? problem;
        if (cluster.SelfMember.Status is not (MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining or MemberStatus.Leaving or MemberStatus.Exiting))
        {
            problem = "this node is not a member of a cluster";
        }
        else
        {
            var append = new AuditProtocol.AppendAudit($"edgetrain-cmd ({peer})", AuditActions.Ops(name), node.Address, commandLine);
            try
            {
                problem = await coordinator.Ask<object>(append, settings.AskTimeout, cancellation).ConfigureAwait(false) switch
                {
                    AuditProtocol.AuditRecorded => null,
                    AuditProtocol.AuditRefused refused => refused.Reason,
                    var other => $"unexpected answer {other.GetType().Name}",
                };
            }
            catch (AskTimeoutException)
            {
                problem = $"no answer from the job coordinator within {settings.AskTimeout.TotalSeconds:0} s";
            }
        }

        if (problem is not null)
        {
            log.Warning("edgetrain-cmd: '{0}' from {1} is not in the audit log: {2}", commandLine, peer, problem);
            await error($"edgetrain-cmd: warning: '{name}' runs without an audit entry: {problem}").ConfigureAwait(false);
        }
    }
}
