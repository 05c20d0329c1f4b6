using EdgeTrain.Actors.Training;

namespace EdgeTrain.Actors.Tests.Training;

public sealed class PullRoundSpec
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    private static PullRound Fresh(int slices = 3, int regions = 1, bool waitForMerge = false) =>
        new(slices, regions, waitForMerge, Timeout);

    // a state whose copy holds every slice at the given versions, between rounds
    private static PullRound Holding(PullRound round, params long[] versions)
    {
        var (next, _) = round.Begin(TimeSpan.Zero);
        for (var slice = 0; slice < versions.Length; slice++)
        {
            (next, _) = next.Data(slice, versions[slice], TimeSpan.Zero);
        }

        Assert.True(next.IsComplete);
        return next;
    }

    [Fact]
    public void A_round_asks_every_slice_with_its_version_and_completes_when_each_answered()
    {
        var (round, asks) = Fresh().Begin(Ms(1));

        Assert.Equal(1, round.Round);
        Assert.Equal([new SliceAsk(0, -1), new SliceAsk(1, -1), new SliceAsk(2, -1)], asks.ToArray());
        Assert.Equal(3, round.Outstanding);
        Assert.False(round.IsComplete);

        (round, var first) = round.Data(1, 4, Ms(2));
        (round, var second) = round.Data(0, 7, Ms(3));
        Assert.Equal((PullVerdict.Settled, PullVerdict.Settled), (first, second));
        Assert.Equal(1, round.Outstanding);

        (round, var last) = round.Data(2, 2, Ms(4));
        Assert.Equal(PullVerdict.Complete, last);
        Assert.True(round.IsComplete);
        Assert.Equal([7L, 4L, 2L], round.Versions.ToArray());

        (round, asks) = round.Begin(Ms(5));
        Assert.Equal(2, round.Round);
        Assert.Equal(Ms(5), round.StartedAt);
        Assert.Equal([new SliceAsk(0, 7), new SliceAsk(1, 4), new SliceAsk(2, 2)], asks.ToArray());
        Assert.Equal([false, false, false], round.Received.ToArray());
    }

    [Fact]
    public void Each_kind_of_reply_settles_a_slice_at_the_copy_s_version()
    {
        var (round, _) = Holding(Fresh(), 3, 5, 8).Begin(Ms(10));

        (round, var unchanged) = round.Unchanged(0, 3, Ms(11));
        (round, var changes) = round.Changes(1, 5, 6, Ms(12));
        (round, var data) = round.Data(2, 9, Ms(13));

        Assert.Equal([PullVerdict.Settled, PullVerdict.Settled, PullVerdict.Complete], [unchanged, changes, data]);
        Assert.Equal([3L, 6L, 9L], round.Versions.ToArray());
    }

    [Fact]
    public void A_duplicate_reply_in_the_same_round_is_ignored()
    {
        var (round, _) = Holding(Fresh(2), 3, 3).Begin(Ms(1));
        (round, _) = round.Changes(0, 3, 4, Ms(2));

        var (afterData, data) = round.Data(0, 5, Ms(3));
        var (afterChanges, changes) = round.Changes(0, 3, 5, Ms(3));
        var (afterUnchanged, unchanged) = round.Unchanged(0, 4, Ms(3));

        Assert.Equal([PullVerdict.Ignore, PullVerdict.Ignore, PullVerdict.Ignore], [data, changes, unchanged]);
        Assert.All([afterData, afterChanges, afterUnchanged], r => Assert.Equal([4L, 3L], r.Versions.ToArray()));
        Assert.All([afterData, afterChanges, afterUnchanged], r => Assert.Equal(1, r.Outstanding));
    }

    [Fact]
    public void A_late_reply_to_an_earlier_round_s_ask_is_ignored_and_the_current_answer_still_counts()
    {
        // round 2 asked slice 0 again on a timeout; the first answer settled it, the second comes in round 3
        var (round, _) = Holding(Fresh(1), 3).Begin(Ms(0));
        (round, _) = round.TimedOut(round.Round, Ms(5_000));
        (round, _) = round.Changes(0, 3, 5, Ms(5_001));
        (round, _) = round.Begin(Ms(5_002));

        var (stale, lateChanges) = round.Changes(0, 3, 6, Ms(5_003));
        var (_, lateUnchanged) = round.Unchanged(0, 3, Ms(5_003));

        Assert.Equal((PullVerdict.Ignore, PullVerdict.Ignore), (lateChanges, lateUnchanged));
        Assert.Equal(5, stale.Versions[0]);
        var (done, answer) = stale.Changes(0, 5, 6, Ms(5_004));
        Assert.Equal(PullVerdict.Complete, answer);
        Assert.Equal(6, done.Versions[0]);
    }

    [Fact]
    public void Replies_before_the_first_round_and_for_slices_out_of_range_are_ignored()
    {
        var fresh = Fresh(2);

        Assert.Equal(PullVerdict.Ignore, fresh.Data(0, 1, Ms(0)).Verdict);
        Assert.Equal(PullVerdict.Ignore, fresh.Unchanged(0, -1, Ms(0)).Verdict);
        Assert.Equal(PullVerdict.Ignore, fresh.NotReady(0, Ms(0)).Verdict);
        var (round, _) = fresh.Begin(Ms(0));
        Assert.Equal(PullVerdict.Ignore, round.Data(2, 1, Ms(1)).Verdict);
        Assert.Equal(PullVerdict.Ignore, round.Changes(-1, -1, 1, Ms(1)).Verdict);
        Assert.Null(round.Retry(5, round.Round, Ms(1)).Ask);
        Assert.Null(round.Unusable(2, Ms(1)).Ask);
        Assert.Equal(2, round.Data(2, 1, Ms(1)).Next.Outstanding);
    }

    [Fact]
    public void Changes_apply_only_to_the_version_they_start_from()
    {
        var (round, _) = Holding(Fresh(1), 4).Begin(Ms(0));

        Assert.Equal(PullVerdict.Ignore, round.Changes(0, 3, 6, Ms(1)).Verdict);
        Assert.Equal(PullVerdict.Ignore, round.Changes(0, 5, 6, Ms(1)).Verdict);
        Assert.Equal(PullVerdict.Ignore, round.Changes(0, -1, 6, Ms(1)).Verdict);
        Assert.Equal(4, round.Changes(0, 3, 6, Ms(1)).Next.Versions[0]);
        Assert.Equal(PullVerdict.Complete, round.Changes(0, 4, 6, Ms(1)).Verdict);
    }

    [Fact]
    public void Unchanged_counts_only_at_the_copy_s_version()
    {
        var (round, _) = Holding(Fresh(1), 4).Begin(Ms(0));

        Assert.Equal(PullVerdict.Ignore, round.Unchanged(0, 3, Ms(1)).Verdict);
        Assert.Equal(PullVerdict.Ignore, round.Unchanged(0, 5, Ms(1)).Verdict);
        Assert.Equal(PullVerdict.Complete, round.Unchanged(0, 4, Ms(1)).Verdict);
    }

    [Fact]
    public void A_whole_slice_is_taken_whatever_its_version_because_the_shard_may_have_gone_back()
    {
        var (round, _) = Holding(Fresh(1), 9).Begin(Ms(0));

        var (next, verdict) = round.Data(0, 7, Ms(1));

        Assert.Equal(PullVerdict.Complete, verdict);
        Assert.Equal(7, next.Versions[0]);
        Assert.Equal([new SliceAsk(0, 7)], next.Begin(Ms(2)).Asks.ToArray());
    }

    [Fact]
    public void Changes_that_do_not_apply_ask_for_the_whole_slice()
    {
        var (round, _) = Holding(Fresh(2), 4, 4).Begin(Ms(0));

        var (next, ask) = round.Unusable(0, Ms(1));

        Assert.Equal(new SliceAsk(0, -1), ask);
        Assert.Equal(2, next.Outstanding);
        Assert.Equal(4, next.Versions[0]);
        Assert.Equal(PullVerdict.Settled, next.Data(0, 6, Ms(2)).Verdict);
        Assert.Null(next.Data(0, 6, Ms(2)).Next.Unusable(0, Ms(3)).Ask);
    }

    [Fact]
    public void A_slice_that_is_not_ready_is_asked_again_in_its_round_only()
    {
        var (round, _) = Holding(Fresh(2), 2, 2).Begin(Ms(0));

        (round, var verdict) = round.NotReady(1, Ms(1));
        var (again, ask) = round.Retry(1, round.Round, Ms(250));

        Assert.Equal(PullVerdict.RetryLater, verdict);
        Assert.Equal(new SliceAsk(1, 2), ask);
        Assert.Equal(2, again.Outstanding);
        Assert.Null(round.Retry(1, round.Round - 1, Ms(250)).Ask);
        (round, _) = round.Data(1, 3, Ms(300));
        Assert.Null(round.Retry(1, round.Round, Ms(301)).Ask);
        Assert.Equal(PullVerdict.Ignore, round.NotReady(1, Ms(302)).Verdict);
    }

    [Fact]
    public void A_timeout_asks_again_for_the_slices_still_outstanding_of_its_own_round_only()
    {
        var (round, _) = Holding(Fresh(3), 1, 2, 3).Begin(Ms(0));
        (round, _) = round.Unchanged(1, 2, Ms(1));

        var (next, asks) = round.TimedOut(round.Round, Timeout);

        Assert.Equal([new SliceAsk(0, 1), new SliceAsk(2, 3)], asks.ToArray());
        Assert.Equal(2, next.Outstanding);
        Assert.Empty(round.TimedOut(round.Round - 1, Timeout).Asks);
        Assert.Empty(round.TimedOut(round.Round + 1, Timeout).Asks);
        (round, _) = round.Data(0, 1, Ms(2));
        (round, _) = round.Data(2, 3, Ms(3));
        Assert.True(round.IsComplete);
        Assert.Empty(round.TimedOut(round.Round, Timeout).Asks);
        Assert.Empty(Fresh().TimedOut(0, Timeout).Asks);
    }

    [Fact]
    public void A_contribution_records_the_versions_it_was_computed_from()
    {
        var round = Holding(Fresh(2), 3, 8);

        Assert.Equal([-1L, -1L], round.ContributedFrom.ToArray());
        Assert.Equal([3L, 8L], round.Contributed().ContributedFrom.ToArray());
    }

    [Fact]
    public void Without_wait_for_merge_a_slice_at_the_version_contributed_from_is_done()
    {
        var (round, _) = Holding(Fresh(1, regions: 2), 5).Contributed().Begin(Ms(0));

        Assert.Equal(PullVerdict.Complete, round.Unchanged(0, 5, Ms(1)).Verdict);
    }

    [Fact]
    public void With_wait_for_merge_the_first_round_does_not_wait()
    {
        var (round, _) = Fresh(1, regions: 2, waitForMerge: true).Begin(Ms(0));

        Assert.Equal(PullVerdict.Complete, round.Data(0, 0, Ms(1)).Verdict);
    }

    [Fact]
    public void With_wait_for_merge_a_slice_waits_for_one_merged_update_per_region()
    {
        var (round, _) = Holding(Fresh(2, regions: 3, waitForMerge: true), 5, 5).Contributed().Begin(Ms(0));

        (round, var nothingYet) = round.Unchanged(0, 5, Ms(1));
        Assert.Equal(PullVerdict.AwaitMerge, nothingYet);
        (round, var poll) = round.Retry(0, round.Round, Ms(21));
        Assert.Equal(new SliceAsk(0, 5), poll);

        (round, var oneRegion) = round.Changes(0, 5, 6, Ms(22));
        Assert.Equal(PullVerdict.AwaitMerge, oneRegion);
        Assert.Equal(6, round.Versions[0]);
        Assert.Equal(new SliceAsk(0, 6), round.Retry(0, round.Round, Ms(42)).Ask);

        (round, var twoRegions) = round.Data(0, 7, Ms(43));
        Assert.Equal(PullVerdict.AwaitMerge, twoRegions);
        (round, var allRegions) = round.Changes(0, 7, 8, Ms(64));
        Assert.Equal(PullVerdict.Settled, allRegions);
        (round, var other) = round.Changes(1, 5, 9, Ms(65));
        Assert.Equal(PullVerdict.Complete, other);
        Assert.Equal([8L, 9L], round.Versions.ToArray());
    }

    [Fact]
    public void With_wait_for_merge_a_round_stops_waiting_at_the_pull_timeout()
    {
        var (round, _) = Holding(Fresh(1, regions: 2, waitForMerge: true), 5).Contributed().Begin(Ms(100));

        Assert.Equal(PullVerdict.AwaitMerge, round.Unchanged(0, 5, Ms(100) + Timeout - Ms(1)).Verdict);
        var (done, verdict) = round.Unchanged(0, 5, Ms(100) + Timeout);
        Assert.Equal(PullVerdict.Complete, verdict);
        Assert.Equal(5, done.Versions[0]);
    }

    [Fact]
    public void The_regions_can_change_between_rounds()
    {
        var (round, _) = (Holding(Fresh(1, regions: 1, waitForMerge: true), 5).Contributed() with { Regions = 2 }).Begin(Ms(0));

        Assert.Equal(PullVerdict.AwaitMerge, round.Changes(0, 5, 6, Ms(1)).Verdict);
        Assert.Equal(PullVerdict.Complete, round.Changes(0, 5, 7, Ms(1)).Verdict);
    }

    [Fact]
    public void The_round_trip_is_the_shortest_pull_answered_unchanged_since_it_was_taken()
    {
        var (round, _) = Holding(Fresh(2), 1, 1).Begin(Ms(100));
        Assert.Null(round.ShortestRoundTrip);

        (round, _) = round.Unchanged(0, 1, Ms(109));
        (round, _) = round.Unchanged(1, 1, Ms(104));
        Assert.Equal(Ms(4), round.ShortestRoundTrip);

        (round, _) = round.Begin(Ms(200));
        (round, _) = round.Unchanged(0, 1, Ms(206));
        Assert.Equal(Ms(4), round.ShortestRoundTrip);

        round = round.RoundTripTaken();
        Assert.Null(round.ShortestRoundTrip);
        (round, _) = round.Unchanged(1, 1, Ms(207));
        Assert.Equal(Ms(7), round.ShortestRoundTrip);
    }

    [Fact]
    public void A_whole_slice_or_changes_measure_no_round_trip()
    {
        var (round, _) = Holding(Fresh(2), 1, 1).Begin(Ms(100));

        (round, _) = round.Data(0, 2, Ms(101));
        (round, _) = round.Changes(1, 1, 2, Ms(101));

        Assert.Null(round.ShortestRoundTrip);
    }

    [Fact]
    public void A_slice_asked_again_on_a_timeout_measures_no_round_trip_for_four_timeouts()
    {
        var (round, _) = Holding(Fresh(2), 1, 1).Begin(Ms(0));
        (round, _) = round.Unchanged(1, 1, Ms(2));
        round = round.RoundTripTaken();
        (round, _) = round.TimedOut(round.Round, Timeout);

        // the answer may be the first ask's (5 s late) or the second's: which, nobody can tell
        (round, _) = round.Unchanged(0, 1, Timeout + Ms(3));
        Assert.Null(round.ShortestRoundTrip);
        (round, _) = round.Begin(Timeout * 2);
        (round, _) = round.Unchanged(0, 1, (Timeout * 2) + Ms(3));
        Assert.Null(round.ShortestRoundTrip);

        // the slice that answered in time still measures
        (round, _) = round.Unchanged(1, 1, (Timeout * 2) + Ms(4));
        Assert.Equal(Ms(4), round.ShortestRoundTrip);
        round = round.RoundTripTaken();

        (round, _) = round.Begin(Timeout * 5);
        (round, _) = round.Unchanged(0, 1, (Timeout * 5) + Ms(3));
        Assert.Equal(Ms(3), round.ShortestRoundTrip);
    }

    [Fact]
    public void A_round_trip_is_measured_while_waiting_for_a_merge()
    {
        var (round, _) = Holding(Fresh(1, regions: 1, waitForMerge: true), 5).Contributed().Begin(Ms(0));
        (round, _) = round.Unchanged(0, 5, Ms(6));
        (round, _) = round.Retry(0, round.Round, Ms(26));

        (round, _) = round.Unchanged(0, 5, Ms(28));

        Assert.Equal(Ms(2), round.ShortestRoundTrip);
    }

    [Fact]
    public void A_state_is_never_changed_by_a_call()
    {
        var (round, _) = Holding(Fresh(2), 1, 1).Begin(Ms(0));

        _ = round.Data(0, 5, Ms(1));
        _ = round.Changes(1, 1, 5, Ms(1));
        _ = round.TimedOut(round.Round, Timeout);
        _ = round.Contributed();

        Assert.Equal(2, round.Outstanding);
        Assert.Equal([1L, 1L], round.Versions.ToArray());
        Assert.Equal([-1L, -1L], round.ContributedFrom.ToArray());
    }

    [Fact]
    public void A_round_needs_slices_regions_and_a_timeout()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PullRound(0, 1, false, Timeout));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PullRound(1, 0, false, Timeout));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PullRound(1, 1, false, TimeSpan.Zero));
    }
}
