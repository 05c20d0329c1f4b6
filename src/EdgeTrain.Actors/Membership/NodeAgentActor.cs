using Akka.Actor;
using Akka.Event;
using EdgeTrain.Core.Membership;
using static EdgeTrain.Actors.Membership.MembershipProtocol;

namespace EdgeTrain.Actors.Membership;

/// <summary>
/// Registers its node with the JobCoordinator: every second until the coordinator answers, then
/// every ten seconds, so that a coordinator that moved to another seed node (or restarted) learns
/// every node again without anyone asking.
/// </summary>
public sealed class NodeAgentActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan Eager = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Relaxed = TimeSpan.FromSeconds(10);
    private readonly ILoggingAdapter log = Context.GetLogger();
    private bool registered;

    /// <summary>Creates the agent announcing <paramref name="registration"/> to <paramref name="coordinator"/>.</summary>
    public NodeAgentActor(RegisterNode registration, IActorRef coordinator)
    {
        Receive<Announce>(_ => coordinator.Tell(registration));
        Receive<NodeRegistered>(_ =>
        {
            if (!registered)
            {
                registered = true;
                log.Info("registered with the coordinator as {0}: {1}", registration.Address, CapabilityScore.Describe(registration.Capabilities));
                Timers.StartPeriodicTimer(nameof(Announce), Announce.Instance, Relaxed);
            }
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the agent.</summary>
    public static Props Props(RegisterNode registration, IActorRef coordinator) =>
        Akka.Actor.Props.Create(() => new NodeAgentActor(registration, coordinator));

    /// <inheritdoc />
    protected override void PreStart()
    {
        Self.Tell(Announce.Instance);
        Timers.StartPeriodicTimer(nameof(Announce), Announce.Instance, Eager);
    }

    private sealed class Announce
    {
        public static readonly Announce Instance = new();
    }
}
