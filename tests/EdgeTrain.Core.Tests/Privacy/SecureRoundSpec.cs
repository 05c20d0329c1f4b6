using EdgeTrain.Core.Privacy.SecureAggregation;

namespace EdgeTrain.Core.Tests.Privacy;

/// <summary>
/// One secure round of the protocol as the trainers and the aggregator run it (the same classes their
/// actors use): keys advertised, encrypted shares routed through the aggregator, masked vectors summed,
/// survivors' shares revealed; a participant that drops out after sharing, one that never shares, too
/// few left, and a tampered box.
/// </summary>
public sealed class SecureRoundSpec
{
    private const int Length = 1000;

    [Theory]
    [InlineData(5, new[] { 3 }, new int[0], 32)]       // dropped after sharing: its pair masks are removed with its recovered key
    [InlineData(5, new int[0], new[] { 1 }, 32)]       // never shared: the others do not mask with it
    [InlineData(5, new[] { 0, 4 }, new int[0], 32)]    // n − t = 2 dropouts
    [InlineData(12, new[] { 2, 7 }, new[] { 9 }, 32)]  // SecAgg+: a sparse neighbourhood
    [InlineData(12, new[] { 2, 7 }, new[] { 9 }, 16)]  // 16-bit words on the wire (after a quantising codec)
    public void The_recovered_sum_is_exactly_the_plain_sum_of_the_survivors_quantised_updates(int count, int[] dropAfterSharing, int[] neverShare, int bits)
    {
        var (round, clients, updates) = Start(count, bits);
        var quantiser = round.Roster.Quantiser;
        var words = updates.Select(u => quantiser.Encode(u)).ToArray();

        var boxes = Share(round, clients, neverShare);
        Assert.Null(round.CloseSharing());
        Assert.Equal(Enumerable.Range(0, count).Except(neverShare), round.Sharers);

        foreach (var i in round.Sharers.Except(dropAfterSharing))
        {
            // on the wire and back: 16-bit words are the low halves
            var vector = SecureRound.FromBytes(SecureRound.ToBytes(clients[i].Mask(words[i], round.SharesFor(i)), bits), bits)!;
            // what the aggregator holds of a trainer is masked: no word in ten agrees with its update
            Assert.True(vector.Zip(words[i]).Count(p => p.First == p.Second) < Length / 10);
            Assert.Null(round.AddMasked(i, vector));
        }

        Assert.Null(round.CloseMasking());
        Assert.Equal(dropAfterSharing, round.Dropped);
        foreach (var i in round.Survivors)
        {
            Assert.Null(round.AddReveal(i, clients[i].Reveal(round.Survivors.ToList(), round.Dropped.ToList())));
        }

        var sum = round.Finish();

        Assert.Equal(SecurePhase.Finished, round.Phase);
        var expected = new uint[Length];
        foreach (var i in round.Survivors)
        {
            Masking.Add(expected, words[i]);
        }

        Assert.Equal(expected.Select(w => w & quantiser.WordMask), sum);
        var decoded = quantiser.DecodeSum(sum, round.Survivors.Count);
        // values beyond ±range are clipped to it
        var plain = Enumerable.Range(0, Length).Select(k => round.Survivors.Sum(i => Math.Clamp(updates[i][k], -0.5f, 0.5f))).ToArray();
        Assert.All(decoded.Zip(plain), p => Assert.Equal(p.Second, p.First, quantiser.Resolution * count * 2 + 1e-6));
        Dispose(clients);
    }

    [Fact]
    public void A_round_with_fewer_survivors_than_the_threshold_aborts_and_reveals_nothing()
    {
        var (round, clients, updates) = Start(5);
        Share(round, clients, []);
        Assert.Null(round.CloseSharing());
        foreach (var i in new[] { 0, 1 })
        {
            Assert.Null(round.AddMasked(i, clients[i].Mask(round.Roster.Quantiser.Encode(updates[i]), round.SharesFor(i))));
        }

        var reason = round.CloseMasking();

        Assert.Equal(SecurePhase.Aborted, round.Phase);
        Assert.Contains("2 of 5 participants sent their masked vectors; the threshold is 3", reason, StringComparison.Ordinal);
        // a trainer asked to reveal with too few survivors refuses
        var refusal = Assert.Throws<InvalidInputException>(() => clients[0].Reveal([0, 1], [2, 3, 4]));
        Assert.Contains("expected at least 3", refusal.Message, StringComparison.Ordinal);
        Dispose(clients);
    }

    [Fact]
    public void A_trainer_never_reveals_both_secrets_of_one_participant()
    {
        var (round, clients, updates) = Start(5);
        Share(round, clients, []);
        round.CloseSharing();
        var vector = clients[0].Mask(round.Roster.Quantiser.Encode(updates[0]), round.SharesFor(0));

        var both = Assert.Throws<InvalidInputException>(() => clients[0].Reveal([0, 1, 2, 3], [3, 4]));

        Assert.Contains("participant 3 is named both survivor and dropped", both.Message, StringComparison.Ordinal);
        Assert.NotNull(clients[0].Reveal([0, 1, 2, 3], [4]));
        Assert.Throws<InvalidInputException>(() => clients[0].Reveal([0, 1, 2], [3, 4])); // once only
        Assert.NotEmpty(vector);
        Dispose(clients);
    }

    [Fact]
    public void A_box_changed_on_the_way_or_sent_to_another_trainer_does_not_open()
    {
        var (round, clients, _) = Start(5);
        var boxes = Share(round, clients, []);
        round.CloseSharing();

        var tampered = round.SharesFor(2);
        tampered[1] = [.. tampered[1]];
        tampered[1][^1] ^= 1;
        var changed = Assert.Throws<InvalidInputException>(() => clients[2].Mask(new uint[Length], tampered));
        var misrouted = Assert.Throws<InvalidInputException>(() => clients[3].Mask(new uint[Length], new Dictionary<int, byte[]> { [1] = boxes[1][2] }));

        Assert.Contains("do not authenticate as sealed by participant 1 for participant 2", changed.Message, StringComparison.Ordinal);
        Assert.Contains("for participant 3", misrouted.Message, StringComparison.Ordinal);
        Dispose(clients);
    }

    [Fact]
    public void The_aggregator_refuses_shares_that_skip_a_neighbour_and_vectors_of_the_wrong_length()
    {
        var (round, clients, _) = Start(5);
        var shares = clients[0].Share(round.Roster, 0);
        shares.Remove(shares.Keys.First());

        Assert.Contains("expected one for each neighbour", round.AddShares(0, shares), StringComparison.Ordinal);
        Assert.Contains("not in the roster", round.AddShares(7, shares), StringComparison.Ordinal);
        foreach (var i in Enumerable.Range(1, 4))
        {
            round.AddShares(i, clients[i].Share(round.Roster, i));
        }

        round.CloseSharing();
        Assert.Contains("no shares in time", round.AddMasked(0, new uint[Length]), StringComparison.Ordinal);
        Assert.Contains("sent 3 words; expected 1000", round.AddMasked(1, new uint[3]), StringComparison.Ordinal);
        Dispose(clients);
    }

    [Fact]
    public void Words_are_16_bits_after_a_quantising_codec_while_a_round_leaves_1024_levels_per_value()
    {
        Assert.Equal(16, FixedPoint.BitsFor(quantised: true, participants: 5));
        Assert.Equal(16, FixedPoint.BitsFor(quantised: true, participants: 63));
        Assert.Equal(32, FixedPoint.BitsFor(quantised: true, participants: 64));
        Assert.Equal(32, FixedPoint.BitsFor(quantised: false, participants: 5));
        Assert.Equal(13_107, Math.Round(new FixedPoint(0.5, 5, 16).Scale)); // levels over the range [−0.5, 0.5]
    }

    [Fact]
    public void A_neighbourhood_grows_with_log_n_and_its_threshold_is_a_majority_of_the_holders()
    {
        var roster = new SecureRoster("r", [.. Enumerable.Range(0, 100).Select(_ => new ParticipantKeys([], []))], 1);
        var small = new SecureRoster("r", [.. Enumerable.Range(0, 5).Select(_ => new ParticipantKeys([], []))], 1);

        Assert.Equal(14, roster.Degree);
        Assert.Equal(8, roster.Threshold);
        Assert.Equal(15, roster.Holders(0).Count);
        Assert.Equal(4, small.Degree);
        Assert.Equal(3, small.Threshold);
    }

    private static (SecureRound Round, SecureClient[] Clients, float[][] Updates) Start(int count, int bits = 32)
    {
        var clients = Enumerable.Range(0, count).Select(_ => new SecureClient()).ToArray();
        var roster = new SecureRoster($"job:r1:round-{Guid.NewGuid():N}", [.. clients.Select(c => c.Keys)], Range: 0.5, bits);
        var random = new Random(7);
        var updates = clients.Select(_ => Enumerable.Range(0, Length).Select(_ => (float)((random.NextDouble() * 1.2) - 0.6)).ToArray()).ToArray();
        return (new SecureRound(roster, Length), clients, updates);
    }

    private static Dictionary<int, Dictionary<int, byte[]>> Share(SecureRound round, SecureClient[] clients, int[] skip)
    {
        var all = new Dictionary<int, Dictionary<int, byte[]>>();
        for (var i = 0; i < clients.Length; i++)
        {
            var boxes = clients[i].Share(round.Roster, i);
            all[i] = boxes;
            if (!skip.Contains(i))
            {
                Assert.Null(round.AddShares(i, boxes));
            }
        }

        return all;
    }

    private static void Dispose(SecureClient[] clients)
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }
}
