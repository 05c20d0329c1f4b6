using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using EdgeTrain.Commands.Formatting;
using EdgeTrain.Commands.Parsing;

namespace EdgeTrain.Commands.Palettes;

/// <summary>
/// Petabridge.Cmd's <c>cluster</c> palette: membership as this node sees it (show, status, leader),
/// membership changes (leave, down, down-unreachable, join; these need the token) and a live tail
/// of membership events.
/// </summary>
public static class ClusterPalette
{
    /// <summary>The <c>-a|--address ADDRESS</c> switch: a member, as <see cref="ClusterAddresses.Parse"/> reads it.</summary>
    public static readonly SwitchSpec Address = new("-a", "--address", "ADDRESS", "a member's address: akka.tcp://edgetrain@HOST:PORT or HOST:PORT", Required: true);
    private static readonly TimeSpan LeaveTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The palette's commands.</summary>
    public static IEnumerable<PaletteCommand> Commands =>
    [
        new(new("cluster show", "every member as this node sees it: address, roles, status, reachability", []), Show),
        new(new("cluster status", "this node's own member line, the leader and the count of unreachable members", []), Status),
        new(new("cluster leader", "the cluster's leader (of a role with -r)", [new("-r", "--role", "ROLE", "the leader of this role")]), Leader),
        new(new("cluster leave", "a member (this node when none is named) leaves gracefully: its shards hand off first; waits until it is removed", [], Positional: "ADDRESS", Mutating: true), Leave),
        new(new("cluster down", "marks a member down (for a member that is gone and will not come back)", [Address], Mutating: true), Down),
        new(new("cluster down-unreachable", "marks every unreachable member down", [], Mutating: true), DownUnreachable),
        new(new("cluster join", "this node joins the cluster at ADDRESS (only a node that is not a member yet)", [Address], Mutating: true), Join),
        new(new("cluster tail", "prints membership and reachability events as they happen, until Ctrl-C", [], Streaming: true), Tail),
    ];

    private static async Task<int> Show(ParsedCommand command, CommandContext context)
    {
        var state = context.Cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        foreach (var member in state.Members.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal))
        {
            await context.Line(ClusterFormat.MemberLine(member.Address.ToString(), member.Roles, member.Status, unreachable.Contains(member.Address))).ConfigureAwait(false);
        }

        await context.Line(ClusterFormat.Count(state.Members.Count)).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> Status(ParsedCommand command, CommandContext context)
    {
        var cluster = context.Cluster;
        var self = cluster.SelfMember;
        var state = cluster.State;
        await context.Line(ClusterFormat.MemberLine(self.Address.ToString(), self.Roles, self.Status, state.Unreachable.Any(m => m.Address == self.Address))).ConfigureAwait(false);
        await context.Line($"Leader: {state.Leader?.ToString() ?? "(none)"}").ConfigureAwait(false);
        await context.Line($"Members: {state.Members.Count(m => m.Status == MemberStatus.Up)} up of {state.Members.Count}, {state.Unreachable.Count} unreachable").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> Leader(ParsedCommand command, CommandContext context)
    {
        var role = command.Value("--role");
        var state = context.Cluster.State;
        var leader = role is null ? state.Leader : state.RoleLeader(role);
        if (leader is null)
        {
            throw new CommandFailedException(role is null ? "the cluster has no leader now" : $"no leader of role '{role}' (no member up has it)");
        }

        await context.Line(leader.ToString()).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static Member Member(CommandContext context, Address address) =>
        context.Cluster.State.Members.FirstOrDefault(m => m.Address == address)
        ?? throw new CommandFailedException($"no member at {address}; 'cluster show' lists the members");

    private static async Task<int> Leave(ParsedCommand command, CommandContext context)
    {
        var self = context.Cluster.SelfAddress;
        var target = command.Positional is { } text ? ClusterAddresses.Parse(text) : self;
        Member(context, target);
        await context.Line($"Leaving cluster: {target}{(target == self ? " (this node; its shards hand off, then it shuts down)" : "")}").ConfigureAwait(false);
        return await WatchAsync(context, target, LeaveTimeout, () => context.Cluster.Leave(target), e => e is ClusterEvent.MemberRemoved, "removed").ConfigureAwait(false);
    }

    private static async Task<int> Down(ParsedCommand command, CommandContext context)
    {
        var target = ClusterAddresses.Parse(command.Value("--address")!);
        var member = Member(context, target);
        context.Cluster.Down(target);
        await context.Line($"Downing {target} (was {ClusterFormat.Status(member.Status)})").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> DownUnreachable(ParsedCommand command, CommandContext context)
    {
        var unreachable = context.Cluster.State.Unreachable.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal).ToList();
        foreach (var member in unreachable)
        {
            context.Cluster.Down(member.Address);
            await context.Line($"Downing {member.Address} (unreachable)").ConfigureAwait(false);
        }

        await context.Line(unreachable.Count == 0 ? "No unreachable members" : $"Downed {unreachable.Count} unreachable {(unreachable.Count == 1 ? "member" : "members")}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> Join(ParsedCommand command, CommandContext context)
    {
        var target = ClusterAddresses.Parse(command.Value("--address")!);
        var self = context.Cluster.SelfMember;
        if (self.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Leaving or MemberStatus.Exiting)
        {
            throw new CommandFailedException($"this node ({self.Address}) is already a member ({ClusterFormat.Status(self.Status)}); a node joins one cluster only, leave first");
        }

        await context.Line($"Joining cluster at {target}").ConfigureAwait(false);
        return await WatchAsync(context, context.Cluster.SelfAddress, JoinTimeout, () => context.Cluster.Join(target), e => e is ClusterEvent.MemberUp, "up").ConfigureAwait(false);
    }

    // Does what changes the member's status once subscribed (so that no event is missed), prints the
    // member's events, and succeeds at the one that ends it; the node shutting down ends it too.
    private static async Task<int> WatchAsync(CommandContext context, Address target, TimeSpan timeout, Action act, Func<ClusterEvent.IMemberEvent, bool> done, string goal)
    {
        var channel = Channel.CreateUnbounded<object>();
        var relay = context.System.ActorOf(ClusterEventRelayActor.Props(channel.Writer));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(deadline.Token).ConfigureAwait(false))
            {
                if (e is ClusterEvent.CurrentClusterState)
                {
                    act();
                }
                else if (e is ClusterEvent.IMemberEvent member && member.Member.Address == target)
                {
                    await context.Line(ClusterFormat.EventLine(DateTime.UtcNow, target.ToString(), member.Member.Roles, ClusterFormat.Describe(member) ?? "")).ConfigureAwait(false);
                    if (done(member))
                    {
                        return ExitCodes.Success;
                    }
                }
            }

            await context.Line($"{target}: this node shut down").ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (!context.Cancellation.IsCancellationRequested)
        {
            throw new CommandFailedException($"{target} is not {goal} after {timeout.TotalSeconds:0} s; 'cluster show' tells where it is");
        }
        finally
        {
            context.System.Stop(relay);
        }
    }

    private static async Task<int> Tail(ParsedCommand command, CommandContext context)
    {
        var channel = Channel.CreateUnbounded<object>();
        var relay = context.System.ActorOf(ClusterEventRelayActor.Props(channel.Writer));
        try
        {
            await context.Line($"Tailing cluster events seen by {context.Cluster.SelfAddress}; Ctrl-C to stop").ConfigureAwait(false);
            await foreach (var e in channel.Reader.ReadAllAsync(context.Cancellation).ConfigureAwait(false))
            {
                var member = e switch
                {
                    ClusterEvent.IMemberEvent m => m.Member,
                    ClusterEvent.UnreachableMember u => u.Member,
                    ClusterEvent.ReachableMember r => r.Member,
                    _ => null,
                };
                if (member is not null && e is ClusterEvent.IClusterDomainEvent domain && ClusterFormat.Describe(domain) is { } what)
                {
                    await context.Line(ClusterFormat.EventLine(DateTime.UtcNow, member.Address.ToString(), member.Roles, what)).ConfigureAwait(false);
                }
            }

            await context.Line("this node is shutting down").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested)
        {
            // Ctrl-C on the client: the end of a tail
        }
        finally
        {
            context.System.Stop(relay);
        }

        return ExitCodes.Success;
    }
}
