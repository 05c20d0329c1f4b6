using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using EdgeTrain.Commands.Formatting;
using EdgeTrain.Commands.Parsing;

namespace EdgeTrain.Commands.Palettes;

/// <summary>
/// Petabridge.Cmd's <c>actor</c> palette: the ActorSystem itself, and its actor hierarchy found by
/// sending Identify to <c>path/*</c> level by level.
/// </summary>
public static class ActorPalette
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan LevelLimit = TimeSpan.FromSeconds(3);

    /// <summary>The palette's commands.</summary>
    public static IEnumerable<PaletteCommand> Commands =>
    [
        new(new("actor system", "the ActorSystem: name, address, uptime, Akka.NET and .NET versions, process", []), SystemInfo),
        new(new("actor hierarchy", "the actors under /user (and /system with -s), to depth -d (default 3)",
            [new("-d", "--depth", "DEPTH", "levels below the root to show (1-10)"), new("-s", "--system", null, "also the /system actors")]), Hierarchy),
    ];

    private static async Task<int> SystemInfo(ParsedCommand command, CommandContext context)
    {
        var system = context.System;
        var uptime = TimeSpan.FromSeconds(system.Uptime.TotalSeconds);
        using var process = Process.GetCurrentProcess();
        string[] lines =
        [
            $"Name: {system.Name}",
            $"Address: {context.Cluster.SelfAddress}",
            $"Roles: {ClusterFormat.Roles(context.Cluster.SelfRoles)}",
            string.Create(CultureInfo.InvariantCulture, $"Started: {DateTime.UtcNow - uptime:yyyy-MM-dd HH:mm:ss}Z (up {uptime:d\\.hh\\:mm\\:ss})"),
            $"Akka.NET: {typeof(ActorSystem).Assembly.GetName().Version}",
            $".NET: {Environment.Version} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            string.Create(CultureInfo.InvariantCulture, $"Process: {Environment.ProcessId}, {process.WorkingSet64 / (1 << 20)} MiB working set, {Environment.ProcessorCount} cores, {process.Threads.Count} threads"),
        ];
        foreach (var line in lines)
        {
            await context.Line(line).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private static async Task<int> Hierarchy(ParsedCommand command, CommandContext context)
    {
        var depth = command.Int("--depth", 3, 1, 10);
        var roots = command.Flag("--system") ? new[] { "/user", "/system" } : ["/user"];
        foreach (var root in roots)
        {
            await context.Line(root).ConfigureAwait(false);
            await WalkAsync(context, root, 1, depth).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private static async Task WalkAsync(CommandContext context, string parent, int level, int depth)
    {
        foreach (var child in await ChildrenAsync(context, parent).ConfigureAwait(false))
        {
            await context.Line(new string(' ', 2 * level) + child).ConfigureAwait(false);
            if (level < depth)
            {
                await WalkAsync(context, child, level + 1, depth).ConfigureAwait(false);
            }
        }
    }

    // Identify sent to parent/* answers once per live child; the replies are gathered until none
    // has come for a moment.
    private static async Task<IReadOnlyList<string>> ChildrenAsync(CommandContext context, string parent)
    {
        var inbox = Inbox.Create(context.System);
        try
        {
            context.System.ActorSelection(parent + "/*").Tell(new Identify(parent), inbox.Receiver);
            var children = new List<string>();
            var until = DateTime.UtcNow + LevelLimit;
            while (DateTime.UtcNow < until && !context.Cancellation.IsCancellationRequested)
            {
                object reply;
                try
                {
                    reply = await inbox.ReceiveAsync(Quiet).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    break;
                }

                if (reply is ActorIdentity { Subject: { } subject })
                {
                    children.Add(subject.Path.ToStringWithoutAddress());
                }
            }

            return [.. children.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        }
        finally
        {
            inbox.Dispose();
        }
    }
}
