using Akka.Actor;
using EdgeTrain.Actors.Hosting;
using EdgeTrain.Commands.Hosting;
using EdgeTrain.Commands.Logging;

namespace EdgeTrain.Commands.Palettes;

/// <summary>
/// What a command runs with: the node it runs on, the host's settings and log ring, who asked, where
/// its output goes, and the token that ends it (the client cancelled, or the host is stopping).
/// </summary>
public sealed class CommandContext
{
    private readonly Func<string, Task> line;
    private readonly Func<string, Task> error;

    /// <summary>Creates the context.</summary>
    public CommandContext(EdgeTrainNode node, CommandHostSettings settings, LogRing logs, string peer, Func<string, Task> line, Func<string, Task> error, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(node);
        Node = node;
        Coordinator = node.Coordinator;
        Settings = settings;
        Logs = logs;
        Peer = peer;
        this.line = line;
        this.error = error;
        Cancellation = cancellation;
    }

    /// <summary>The node the host runs in.</summary>
    public EdgeTrainNode Node { get; }

    /// <summary>
    /// Where the job and node commands send their questions: the node's proxy to the JobCoordinator
    /// singleton, unless the creator of the context names another actor (a stand-in in tests).
    /// </summary>
    public IActorRef Coordinator { get; init; }

    /// <summary>The node's ActorSystem.</summary>
    public ActorSystem System => Node.System;

    /// <summary>The node's cluster extension.</summary>
    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(System);

    /// <summary>The host's settings.</summary>
    public CommandHostSettings Settings { get; }

    /// <summary>The node's recent log events.</summary>
    public LogRing Logs { get; }

    /// <summary>The client's address (gRPC peer), for logs and the journal.</summary>
    public string Peer { get; }

    /// <summary>Ends the command: the client cancelled it (Ctrl-C) or the host is stopping.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>Writes a line to the client's standard output.</summary>
    public Task Line(string text) => line(text);

    /// <summary>Writes a line to the client's standard error.</summary>
    public Task Error(string text) => error(text);

    /// <summary>Asks <paramref name="target"/> and waits the host's ask time-out for the answer.</summary>
    /// <exception cref="CommandFailedException">no answer in time, naming <paramref name="what"/>.</exception>
    public async Task<object> Ask(IActorRef target, object message, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        var wait = timeout ?? Settings.AskTimeout;
        try
        {
            return await target.Ask<object>(message, wait, Cancellation).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new CommandFailedException($"no answer from {what} within {wait.TotalSeconds:0} s");
        }
    }
}
