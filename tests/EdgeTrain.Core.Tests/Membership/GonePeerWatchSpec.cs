using EdgeTrain.Core.Membership;

namespace EdgeTrain.Core.Tests.Membership;

public sealed class GonePeerWatchSpec
{
    private const string Self = "akka.tcp://edgetrain@127.0.0.1:4053";
    private const string Peer = "akka.tcp://edgetrain@127.0.0.1:4054";
    private static readonly DateTime T0 = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Gap = TimeSpan.FromSeconds(1);

    private static GonePeerWatch Watch() => new GonePeerWatch(Self, Gap).Joined(Peer);

    [Fact]
    public void A_refused_probe_of_a_member_downs_it_once()
    {
        var (probing, probe) = Watch().Suspect(Peer, T0);
        var (downed, decision) = probing.Probed(Peer, ProbeResult.Refused, T0.AddMilliseconds(2));

        Assert.True(probe);
        Assert.Equal(ProbeDecision.Down, decision);
        Assert.False(downed.Suspect(Peer, T0.AddSeconds(5)).Probe);
    }

    [Theory]
    [InlineData(ProbeResult.Accepted)]
    [InlineData(ProbeResult.TimedOut)]
    [InlineData(ProbeResult.Failed)]
    public void Anything_but_a_refusal_keeps_the_member(ProbeResult result)
    {
        var (probing, _) = Watch().Suspect(Peer, T0);

        Assert.Equal(ProbeDecision.Keep, probing.Probed(Peer, result, T0.AddSeconds(1)).Decision);
    }

    [Fact]
    public void A_member_is_probed_once_at_a_time_and_not_again_within_the_gap()
    {
        var (probing, first) = Watch().Suspect(Peer, T0);
        var (_, whileProbing) = probing.Suspect(Peer, T0.AddMilliseconds(10));
        var (done, _) = probing.Probed(Peer, ProbeResult.Accepted, T0.AddMilliseconds(20));

        Assert.True(first);
        Assert.False(whileProbing);
        Assert.False(done.Suspect(Peer, T0.AddMilliseconds(500)).Probe);
        Assert.True(done.Suspect(Peer, T0.AddMilliseconds(20) + Gap).Probe);
    }

    [Fact]
    public void Neither_this_node_nor_a_stranger_nor_a_member_that_went_is_probed()
    {
        var watch = Watch();

        Assert.False(watch.Joined(Self).Suspect(Self, T0).Probe);
        Assert.False(watch.Suspect("akka.tcp://edgetrain@127.0.0.1:9999", T0).Probe);
        Assert.False(watch.Gone(Peer).Suspect(Peer, T0).Probe);
    }

    [Fact]
    public void A_refusal_that_arrives_after_the_member_went_downs_nothing()
    {
        var (probing, _) = Watch().Suspect(Peer, T0);

        Assert.Equal(ProbeDecision.Keep, probing.Gone(Peer).Probed(Peer, ProbeResult.Refused, T0.AddSeconds(1)).Decision);
    }

    [Fact]
    public void A_refusal_without_a_probe_under_way_downs_nothing()
    {
        Assert.Equal(ProbeDecision.Keep, Watch().Probed(Peer, ProbeResult.Refused, T0).Decision);
    }

    [Fact]
    public void A_member_that_comes_back_at_the_same_address_may_be_downed_again()
    {
        var (probing, _) = Watch().Suspect(Peer, T0);
        var (downed, _) = probing.Probed(Peer, ProbeResult.Refused, T0);
        var again = downed.Gone(Peer).Joined(Peer);

        var (probingAgain, probe) = again.Suspect(Peer, T0.AddSeconds(30));

        Assert.True(probe);
        Assert.Equal(ProbeDecision.Down, probingAgain.Probed(Peer, ProbeResult.Refused, T0.AddSeconds(30)).Decision);
    }
}
