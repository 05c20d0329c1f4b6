using System.Security.Cryptography;
using EdgeTrain.Core.Privacy.SecureAggregation;

namespace EdgeTrain.Core.Tests.Privacy;

/// <summary>
/// Secure aggregation's pieces in one simulated round: key agreement, masks from AES-CTR, t-of-n shares
/// of each trainer's self seed and key, dropouts after masking, and the aggregator recovering exactly
/// the survivors' sum while never holding a trainer's update in the clear.
/// </summary>
public sealed class SecureAggregationSpec
{
    [Fact]
    public void Any_t_of_n_shares_give_the_secret_back_and_fewer_do_not()
    {
        var secret = RandomNumberGenerator.GetBytes(48);
        var shares = ShamirSharing.Split(secret, threshold: 3, shares: 6);

        Assert.Equal(secret, ShamirSharing.Combine([shares[0], shares[2], shares[5]]));
        Assert.Equal(secret, ShamirSharing.Combine([shares[4], shares[1], shares[3]]));
        Assert.Equal(secret, ShamirSharing.Combine(shares));
        Assert.NotEqual(secret, ShamirSharing.Combine([shares[0], shares[1]]));
        Assert.Throws<ArgumentException>(() => ShamirSharing.Combine([shares[0], shares[0], shares[1]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShamirSharing.Split(secret, threshold: 4, shares: 3));
    }

    [Fact]
    public void Masks_come_from_AES_CTR_and_a_mask_added_then_subtracted_leaves_nothing()
    {
        var seed = RandomNumberGenerator.GetBytes(MaskStream.SeedBytes);
        var values = new uint[1000];
        MaskStream.Apply(seed, values, +1);
        var once = values.ToArray();
        MaskStream.Apply(seed, values, -1);

        Assert.All(values, v => Assert.Equal(0u, v));
        // the stream is AES-256 of the counter blocks 0, 1, … under the seed
        using var aes = Aes.Create();
        aes.Key = seed;
        var first = aes.EncryptEcb(new byte[16], PaddingMode.None);
        Assert.Equal(BitConverter.ToUInt32(first, 0), once[0]);
        Assert.True(once.Distinct().Count() > 990);
        Assert.Throws<ArgumentException>(() => MaskStream.Apply(new byte[8], values, +1));
    }

    [Fact]
    public void Both_sides_of_a_pair_derive_the_same_seed_and_other_pairs_or_rounds_differ()
    {
        using var a = PairwiseSeeds.NewKey();
        using var b = PairwiseSeeds.NewKey();
        using var c = PairwiseSeeds.NewKey();

        var ab = PairwiseSeeds.Derive(a, b.PublicKey, "job-1/r7", 0, 1);

        Assert.Equal(ab, PairwiseSeeds.Derive(b, a.PublicKey, "job-1/r7", 1, 0));
        Assert.NotEqual(ab, PairwiseSeeds.Derive(a, b.PublicKey, "job-1/r8", 0, 1));
        Assert.NotEqual(ab, PairwiseSeeds.Derive(a, c.PublicKey, "job-1/r7", 0, 2));
        Assert.Equal(MaskStream.SeedBytes, ab.Length);
    }

    [Fact]
    public void Neighbourhoods_are_symmetric_and_grow_with_log_n()
    {
        for (var n = 3; n <= 40; n++)
        {
            var degree = Masking.LogDegree(n, minimum: 3);
            for (var i = 0; i < n; i++)
            {
                foreach (var j in Masking.Neighbours(i, n, degree))
                {
                    Assert.Contains(i, Masking.Neighbours(j, n, degree));
                }
            }
        }

        Assert.Equal(12, Masking.LogDegree(40, 3));
        Assert.Equal(4, Masking.LogDegree(5, 3));
    }

    [Theory]
    [InlineData(7, 0)]
    [InlineData(7, 2)]
    [InlineData(12, 3)]
    public void The_aggregator_recovers_exactly_the_survivors_sum_when_trainers_drop_out_after_masking(int count, int dropouts)
    {
        var fixedPoint = new FixedPoint(Clip: 1.0, Participants: count);
        var degree = Masking.LogDegree(count, minimum: 4);
        const int threshold = 3;
        const string round = "job-1/region-a/r3";
        var random = new Random(count * 31 + dropouts);
        var updates = Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, 257).Select(_ => (float)((random.NextDouble() * 2.4) - 1.2)).ToArray()).ToArray();

        // round 1: every trainer makes a key pair and a self seed, and shares both among its neighbours
        var keys = Enumerable.Range(0, count).Select(_ => PairwiseSeeds.NewKey()).ToArray();
        var selfSeeds = Enumerable.Range(0, count).Select(_ => RandomNumberGenerator.GetBytes(MaskStream.SeedBytes)).ToArray();
        var neighbours = Enumerable.Range(0, count).Select(i => Masking.Neighbours(i, count, degree)).ToArray();
        // held[j][i] = the shares of trainer i that neighbour j holds: (self seed share, key share)
        var held = Enumerable.Range(0, count).Select(_ => new Dictionary<int, (SecretShare Seed, SecretShare Key)>()).ToArray();
        for (var i = 0; i < count; i++)
        {
            var seedShares = ShamirSharing.Split(selfSeeds[i], threshold, neighbours[i].Count);
            var keyShares = ShamirSharing.Split(keys[i].ExportPkcs8PrivateKey(), threshold, neighbours[i].Count);
            for (var s = 0; s < neighbours[i].Count; s++)
            {
                held[neighbours[i][s]][i] = (seedShares[s], keyShares[s]);
            }
        }

        // round 2: masked updates; the dropped ones never send theirs
        var dropped = Enumerable.Range(0, count).Where(i => i % 4 == 1).Take(dropouts).ToHashSet();
        var survivors = Enumerable.Range(0, count).Where(i => !dropped.Contains(i)).ToList();
        var maskedSum = new uint[257];
        foreach (var i in survivors)
        {
            var pairs = neighbours[i].ToDictionary(j => j, j => PairwiseSeeds.Derive(keys[i], keys[j].PublicKey, round, i, j));
            var masked = Masking.Mask(fixedPoint.Encode(updates[i]), i, selfSeeds[i], pairs);
            Assert.NotEqual(fixedPoint.Encode(updates[i]), masked); // what the aggregator sees is masked
            Masking.Add(maskedSum, masked);
        }

        // round 3: surviving neighbours hand in the self-seed shares of survivors and the key shares of the dropped
        var recoveredSeeds = survivors.Select(i => ShamirSharing.Combine(
            [.. neighbours[i].Where(j => !dropped.Contains(j)).Take(threshold).Select(j => held[j][i].Seed)])).ToList();
        var droppedPairs = new List<(int, int, byte[])>();
        foreach (var d in dropped)
        {
            using var recoveredKey = PairwiseSeeds.NewKey();
            recoveredKey.ImportPkcs8PrivateKey(ShamirSharing.Combine([.. neighbours[d].Where(j => !dropped.Contains(j)).Take(threshold).Select(j => held[j][d].Key)]), out _);
            droppedPairs.AddRange(neighbours[d].Where(j => !dropped.Contains(j)).Select(j => (j, d, PairwiseSeeds.Derive(recoveredKey, keys[j].PublicKey, round, d, j))));
        }

        var sum = Masking.Unmask(maskedSum, recoveredSeeds, droppedPairs);

        var expectedWords = new uint[257];
        foreach (var i in survivors)
        {
            Masking.Add(expectedWords, fixedPoint.Encode(updates[i]));
        }

        Assert.Equal(expectedWords, sum);
        var decoded = fixedPoint.DecodeSum(sum, survivors.Count);
        for (var p = 0; p < decoded.Length; p++)
        {
            var clipped = survivors.Sum(i => Math.Clamp(updates[i][p], -1f, 1f));
            Assert.Equal(clipped, decoded[p], (survivors.Count * fixedPoint.Resolution) + 1e-5);
        }

        foreach (var key in keys)
        {
            key.Dispose();
        }
    }
}
